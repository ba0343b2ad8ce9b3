// The node's task queue: a fixed pool of worker threads fed by a bounded
// priority queue. Higher priority runs first; equal priorities run in the
// order they arrived.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/util/status.h"

namespace dim::runtime {

using Clock = std::chrono::system_clock;

// What a running task consults between steps of its work. Thread-safe.
class TaskControl {
 public:
  TaskControl(std::string task_id, Clock::time_point deadline)
      : task_id_(std::move(task_id)), deadline_(deadline) {}

  // Ok while the task should go on; otherwise why it should stop: the
  // reason given to TaskQueue::Cancel, or kDeadlineExceeded.
  Status Check() const;

  // The first reason wins; later ones are ignored.
  void Stop(Status reason);

 private:
  const std::string task_id_;
  const Clock::time_point deadline_;
  std::atomic<bool> stopped_{false};
  mutable std::mutex mutex_;
  Status reason_;
};

struct Task {
  // Unique among the tasks queued or running; the handle for Cancel.
  std::string id;
  int priority = 0;
  Clock::time_point deadline = Clock::time_point::max();
  // Runs on a worker thread, unless the task is dropped before it starts
  // (cancelled, past its deadline, shut down). Should call
  // control.Check() between steps.
  std::function<void(const TaskControl& control)> run;
  // Called once the queue has forgotten the task, so that its id is free
  // again: with Ok after `run` returned, or with why it was dropped.
  std::function<void(const Status& dropped)> done;
};

class TaskQueue {
 public:
  struct Options {
    // Named in messages: "node n1 queue is full (1024 tasks)".
    std::string node_id;
    int workers = 2;
    int queue_limit = 1024;
  };

  explicit TaskQueue(Options options);
  // Shuts down.
  ~TaskQueue();

  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  // Requires a non-empty task.id. On success task.done will be called
  // once, after task.run if it runs. Fails, calling neither, with
  // kResourceExhausted when queue_limit tasks are waiting, kAlreadyExists
  // for an id in use, kUnavailable after Shutdown.
  Status Submit(Task task);

  // A queued task is dropped with `reason` (its `done` runs on this
  // thread); a running one sees `reason` from its TaskControl. False when
  // no such task is queued or running.
  bool Cancel(const std::string& id, const Status& reason);

  int running() const;
  int queued() const;
  // The number of workers; at least one.
  int capacity() const { return static_cast<int>(workers_.size()); }

  // Drops every queued task with kUnavailable, stops running ones with the
  // same, and waits for the workers to finish. Idempotent.
  void Shutdown();

 private:
  // Higher priority first, then arrival order.
  using Key = std::pair<int, uint64_t>;

  void WorkerLoop();

  const Options options_;
  // Serializes Shutdown so that workers are joined once.
  std::mutex shutdown_mutex_;
  // Guards everything below except workers_, which the constructor fills
  // and nothing changes after.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t next_sequence_ = 0;
  std::map<Key, Task> queue_;
  std::map<std::string, Key> queued_ids_;
  std::map<std::string, std::shared_ptr<TaskControl>> running_;
  std::vector<std::thread> workers_;
};

}  // namespace dim::runtime
