#include "core/runtime/task_queue.h"

#include <algorithm>

namespace dim::runtime {

Status TaskControl::Check() const {
  if (stopped_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(mutex_);
    return reason_;
  }
  if (Clock::now() >= deadline_) {
    return DeadlineExceeded("task " + task_id_ +
                            " passed its deadline while running");
  }
  return Status::Ok();
}

void TaskControl::Stop(Status reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_.load(std::memory_order_relaxed)) return;
  reason_ = std::move(reason);
  stopped_.store(true, std::memory_order_release);
}

TaskQueue::TaskQueue(Options options) : options_(std::move(options)) {
  int count = std::max(1, options_.workers);
  for (int i = 0; i < count; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

TaskQueue::~TaskQueue() { Shutdown(); }

Status TaskQueue::Submit(Task task) {
  if (task.id.empty()) return InvalidArgument("a task needs an id");
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) {
    return Unavailable("node " + options_.node_id + " is shutting down");
  }
  if (queued_ids_.count(task.id) > 0 || running_.count(task.id) > 0) {
    return Status(Code::kAlreadyExists,
                  "task " + task.id + " is already queued or running on node " +
                      options_.node_id);
  }
  if (static_cast<int>(queue_.size()) >= options_.queue_limit) {
    return ResourceExhausted("node " + options_.node_id +
                             " queue is full (" +
                             std::to_string(options_.queue_limit) +
                             " tasks)");
  }

  Key key(-task.priority, next_sequence_++);
  queued_ids_[task.id] = key;
  queue_.emplace(key, std::move(task));
  wake_.notify_one();
  return Status::Ok();
}

bool TaskQueue::Cancel(const std::string& id, const Status& reason) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto running = running_.find(id);
  if (running != running_.end()) {
    running->second->Stop(reason);
    return true;
  }

  auto queued = queued_ids_.find(id);
  if (queued == queued_ids_.end()) return false;
  auto entry = queue_.find(queued->second);
  Task task = std::move(entry->second);
  queue_.erase(entry);
  queued_ids_.erase(queued);
  lock.unlock();

  task.done(reason);
  return true;
}

int TaskQueue::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(running_.size());
}

int TaskQueue::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

void TaskQueue::WorkerLoop() {
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;

    Task task = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    queued_ids_.erase(task.id);
    if (Clock::now() >= task.deadline) {
      lock.unlock();
      task.done(DeadlineExceeded("task " + task.id +
                                 " passed its deadline while queued on node " +
                                 options_.node_id));
      continue;
    }

    auto control = std::make_shared<TaskControl>(task.id, task.deadline);
    running_[task.id] = control;
    lock.unlock();

    task.run(*control);

    lock.lock();
    running_.erase(task.id);
    lock.unlock();
    task.done(Status::Ok());
  }
}

void TaskQueue::Shutdown() {
  std::lock_guard<std::mutex> serial(shutdown_mutex_);
  std::vector<Task> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (auto& [key, task] : queue_) dropped.push_back(std::move(task));
    queue_.clear();
    queued_ids_.clear();
    Status reason =
        Unavailable("node " + options_.node_id + " is shutting down");
    for (auto& [id, control] : running_) control->Stop(reason);
  }
  wake_.notify_all();

  Status reason = Unavailable("node " + options_.node_id + " is shutting down");
  for (Task& task : dropped) task.done(reason);
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

}  // namespace dim::runtime
