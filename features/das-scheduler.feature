Feature: das-scheduler, a kube-scheduler with the DAS plugin
  das-scheduler is kube-scheduler built with our plugin, which asks the DAS allocator where MIG slices fit. It
  runs beside the default scheduler, so it takes its own leader lease, and it schedules pods without GPU
  requests like any scheduler would.

  @reference-design-9
  Scenario: das-scheduler takes its own leader lease (the reference contends for kube-system/kube-scheduler)
    Then das-scheduler holds the leader lease "das-operator/das-scheduler"
    And no lease "kube-system/kube-scheduler" exists

  Scenario: A pod without GPU requests is scheduled normally
    Given a Ready node "plain-node" with 8 CPUs and 32 GiB of memory
    And a namespace "sched-plain"
    When I create a pod "web" in "sched-plain" for das-scheduler without GPU requests
    Then pod "web" in "sched-plain" is bound to node "plain-node"

  Scenario: A pod that needs a MIG slice stays Pending while the allocator is unreachable
    Given the DAS allocator is stopped
    And a Ready node "gpu-node" with 8 CPUs and 32 GiB of memory
    And a namespace "sched-noalloc"
    When I create a pod "trainer" in "sched-noalloc" for das-scheduler asking for 1 "mig.das.com/1g.5gb"
    Then pod "trainer" in "sched-noalloc" stays Pending and its PodScheduled condition says "DAS allocator unavailable"
    And an event "FailedScheduling" on pod "trainer" in "sched-noalloc" says "DAS allocator unavailable"
    And pod "trainer" in "sched-noalloc" has no AllocationClaim
