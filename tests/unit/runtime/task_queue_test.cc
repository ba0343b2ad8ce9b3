#include "core/runtime/task_queue.h"

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dim::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Holds the single worker busy until Release, so that tasks pile up in
// the queue in a known state. Declare it before the queue: the queue's
// worker may still be inside its task when the test body ends.
class Blocker {
 public:
  Task Make() {
    Task task;
    task.id = "blocker";
    task.run = [this](const TaskControl&) {
      started_.set_value();
      release_.get_future().wait();
    };
    task.done = [](const Status&) {};
    return task;
  }
  void WaitStarted() { started_.get_future().wait(); }
  void Release() { release_.set_value(); }

 private:
  std::promise<void> started_;
  std::promise<void> release_;
};

// Records what happened to each task, in order.
class Journal {
 public:
  Task Make(const std::string& id, int priority = 0) {
    Task task;
    task.id = id;
    task.priority = priority;
    task.run = [this, id](const TaskControl&) { Add("ran " + id); };
    task.done = [this, id](const Status& dropped) {
      if (!dropped.ok()) Add("dropped " + id + ": " + dropped.message());
    };
    return task;
  }
  void Add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(line);
  }
  // Waits up to five seconds for n lines.
  bool WaitForLines(size_t n) {
    for (int i = 0; i < 5000 && lines().size() < n; ++i) {
      std::this_thread::sleep_for(1ms);
    }
    return lines().size() >= n;
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TaskQueue::Options OneWorker(int queue_limit = 16) {
  return TaskQueue::Options{"n1", 1, queue_limit};
}

TEST(TaskQueueTest, RunsHigherPriorityFirstAndFifoWithinPriority) {
  Blocker blocker;
  Journal journal;
  TaskQueue queue(OneWorker());
  ASSERT_TRUE(queue.Submit(blocker.Make()).ok());
  blocker.WaitStarted();

  ASSERT_TRUE(queue.Submit(journal.Make("low-1", 1)).ok());
  ASSERT_TRUE(queue.Submit(journal.Make("high-1", 5)).ok());
  ASSERT_TRUE(queue.Submit(journal.Make("low-2", 1)).ok());
  ASSERT_TRUE(queue.Submit(journal.Make("high-2", 5)).ok());
  ASSERT_TRUE(queue.Submit(journal.Make("mid", 3)).ok());
  EXPECT_EQ(queue.queued(), 5);
  blocker.Release();
  ASSERT_TRUE(journal.WaitForLines(5));

  EXPECT_THAT(journal.lines(), ElementsAre("ran high-1", "ran high-2",
                                           "ran mid", "ran low-1",
                                           "ran low-2"));
}

TEST(TaskQueueTest, RejectsTaskWhenQueueIsFull) {
  Blocker blocker;
  Journal journal;
  TaskQueue queue(OneWorker(2));
  ASSERT_TRUE(queue.Submit(blocker.Make()).ok());
  blocker.WaitStarted();
  ASSERT_TRUE(queue.Submit(journal.Make("a")).ok());
  ASSERT_TRUE(queue.Submit(journal.Make("b")).ok());

  Status third = queue.Submit(journal.Make("c"));

  EXPECT_EQ(third.code(), Code::kResourceExhausted);
  EXPECT_EQ(third.message(), "node n1 queue is full (2 tasks)");
  blocker.Release();
}

TEST(TaskQueueTest, RejectsIdAlreadyInUse) {
  Blocker blocker;
  Journal journal;
  TaskQueue queue(OneWorker());
  ASSERT_TRUE(queue.Submit(blocker.Make()).ok());
  blocker.WaitStarted();
  ASSERT_TRUE(queue.Submit(journal.Make("a")).ok());

  EXPECT_EQ(queue.Submit(journal.Make("a")).code(), Code::kAlreadyExists);
  EXPECT_EQ(queue.Submit(journal.Make("blocker")).code(),
            Code::kAlreadyExists);
  blocker.Release();
}

TEST(TaskQueueTest, IdIsFreeAgainWhenDoneIsCalled) {
  TaskQueue queue(OneWorker());
  for (int round = 0; round < 20; ++round) {
    std::promise<void> finished;
    Task task;
    task.id = "same";
    task.run = [](const TaskControl&) {};
    task.done = [&](const Status&) { finished.set_value(); };

    ASSERT_TRUE(queue.Submit(std::move(task)).ok()) << "round " << round;
    finished.get_future().wait();
    EXPECT_EQ(queue.running(), 0);
  }
}

TEST(TaskQueueTest, DropsTaskWhoseDeadlinePassedWhileQueued) {
  Blocker blocker;
  Journal journal;
  TaskQueue queue(OneWorker());
  ASSERT_TRUE(queue.Submit(blocker.Make()).ok());
  blocker.WaitStarted();
  Task late = journal.Make("late");
  late.deadline = Clock::now() + 20ms;
  ASSERT_TRUE(queue.Submit(std::move(late)).ok());

  std::this_thread::sleep_for(60ms);
  blocker.Release();
  ASSERT_TRUE(journal.WaitForLines(1));

  ASSERT_EQ(journal.lines().size(), 1u);
  EXPECT_THAT(journal.lines()[0],
              HasSubstr("dropped late: task late passed its deadline while "
                        "queued on node n1"));
}

TEST(TaskQueueTest, CancelDropsQueuedTaskWithTheGivenReason) {
  Blocker blocker;
  Journal journal;
  TaskQueue queue(OneWorker());
  ASSERT_TRUE(queue.Submit(blocker.Make()).ok());
  blocker.WaitStarted();
  ASSERT_TRUE(queue.Submit(journal.Make("a")).ok());
  ASSERT_TRUE(queue.Submit(journal.Make("b")).ok());

  EXPECT_TRUE(queue.Cancel("a", Cancelled("user asked")));
  EXPECT_FALSE(queue.Cancel("unknown", Cancelled("user asked")));
  blocker.Release();
  ASSERT_TRUE(journal.WaitForLines(2));

  EXPECT_THAT(journal.lines(), ElementsAre("dropped a: user asked", "ran b"));
}

TEST(TaskQueueTest, CancelStopsRunningTaskAtItsNextCheck) {
  TaskQueue queue(OneWorker());
  std::promise<Status> stopped;
  std::atomic<bool> started{false};
  Task task;
  task.id = "long";
  task.run = [&](const TaskControl& control) {
    started = true;
    while (control.Check().ok()) std::this_thread::sleep_for(1ms);
    stopped.set_value(control.Check());
  };
  task.done = [](const Status&) {};
  ASSERT_TRUE(queue.Submit(std::move(task)).ok());
  while (!started) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(queue.running(), 1);

  EXPECT_TRUE(queue.Cancel("long", Cancelled("stop now")));

  std::future<Status> result = stopped.get_future();
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  Status why = result.get();
  EXPECT_EQ(why.code(), Code::kCancelled);
  EXPECT_EQ(why.message(), "stop now");
}

TEST(TaskQueueTest, RunningTaskSeesItsDeadline) {
  TaskQueue queue(OneWorker());
  std::promise<Status> stopped;
  Task task;
  task.id = "t";
  task.deadline = Clock::now() + 30ms;
  task.run = [&](const TaskControl& control) {
    while (control.Check().ok()) std::this_thread::sleep_for(1ms);
    stopped.set_value(control.Check());
  };
  task.done = [](const Status&) {};
  ASSERT_TRUE(queue.Submit(std::move(task)).ok());

  std::future<Status> result = stopped.get_future();
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(result.get().code(), Code::kDeadlineExceeded);
}

TEST(TaskQueueTest, ShutdownFailsQueuedTasksAndRefusesNewOnes) {
  Blocker blocker;
  Journal journal;
  TaskQueue queue(OneWorker());
  ASSERT_TRUE(queue.Submit(blocker.Make()).ok());
  blocker.WaitStarted();
  ASSERT_TRUE(queue.Submit(journal.Make("a")).ok());

  std::thread releaser([&] {
    std::this_thread::sleep_for(20ms);
    blocker.Release();
  });
  queue.Shutdown();
  releaser.join();

  EXPECT_THAT(journal.lines(),
              ElementsAre("dropped a: node n1 is shutting down"));
  EXPECT_EQ(queue.Submit(journal.Make("b")).code(), Code::kUnavailable);
}

TEST(TaskQueueTest, RunsTasksOnAllWorkersAtOnce) {
  TaskQueue queue(TaskQueue::Options{"n1", 3, 16});
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> done{0};
  for (int i = 0; i < 6; ++i) {
    Task task;
    task.id = "t" + std::to_string(i);
    task.run = [&](const TaskControl&) {
      int now = ++inside;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(30ms);
      --inside;
      ++done;
    };
    task.done = [](const Status&) {};
    ASSERT_TRUE(queue.Submit(std::move(task)).ok());
  }
  for (int i = 0; i < 5000 && done < 6; ++i) std::this_thread::sleep_for(1ms);

  EXPECT_EQ(done.load(), 6);
  EXPECT_EQ(queue.capacity(), 3);
  EXPECT_EQ(most.load(), 3);
}

}  // namespace
}  // namespace dim::runtime
