Feature: The DAS allocator places MIG slices
  das-scheduler asks the DAS allocator where a pod's MIG slices fit. The allocator packs slices onto GPUs that are
  already in use, so that whole GPUs stay free for large profiles, places all slices of a pod together or none,
  and records each slice as an AllocationClaim before the pod is bound. Here the GPU nodes are published by the
  test, as a node daemon would publish them.

  Scenario: Seven 1g.5gb pods fill one A100-40GB before a second GPU is touched
    Given a GPU node "pack-1" with 2 "A100-40GB" GPUs
    And a namespace "pack"
    When I create pods "s1, s2, s3, s4, s5, s6, s7" in "pack" one after another, each asking for "1 mig.das.com/1g.5gb"
    Then pods "s1, s2, s3, s4, s5, s6, s7" in "pack" are bound to node "pack-1"
    And the pods "s1, s2, s3, s4, s5, s6, s7" in "pack" all hold slices on the same GPU of node "pack-1"
    And GPU 1 of node "pack-1" holds no slice
    And pod "s7" in "pack" has 1 AllocationClaim in state "created" on node "pack-1"
    When I create a pod "s8" in "pack" asking for "1 mig.das.com/1g.5gb"
    Then pod "s8" in "pack" is bound to node "pack-1"
    And no GPU of node "pack-1" holds overlapping or over-budget slices of model "A100-40GB"

  Scenario: A 4g.20gb and a 3g.20gb share one GPU
    Given a GPU node "share-1" with 2 "A100-40GB" GPUs
    And a namespace "share"
    When I create pods "big" in "share" one after another, each asking for "1 mig.das.com/4g.20gb"
    And I create pods "medium" in "share" one after another, each asking for "1 mig.das.com/3g.20gb"
    Then the pods "big, medium" in "share" all hold slices on the same GPU of node "share-1"
    And GPU 0 of node "share-1" holds slices "4g.20gb@0, 3g.20gb@4"
    And GPU 1 of node "share-1" holds no slice

  Scenario: A pod that does not fit stays Pending and says why
    Given a GPU node "full-1" with 1 "A100-40GB" GPU
    And a namespace "full"
    When I create pods "whole" in "full" one after another, each asking for "1 mig.das.com/7g.40gb"
    And I create a pod "extra" in "full" asking for "1 mig.das.com/1g.5gb"
    Then pod "extra" in "full" stays Pending and its PodScheduled condition says "no room for 1g.5gb"
    And the scheduling message also says "GPU-full"
    And an event "FailedScheduling" on pod "extra" in "full" says "no room for 1g.5gb"
    And pod "extra" in "full" has no AllocationClaim

  @reference-bug-5
  Scenario: A pod asking for two slices gets both or none, and a failed cycle leaves no claim (the reference leaks staged claims, which block the whole GPU)
    Given a GPU node "pair-1" with 1 "A100-40GB" GPU
    And a namespace "pair"
    When I create pods "half" in "pair" one after another, each asking for "1 mig.das.com/4g.20gb"
    And I create a pod "twins" in "pair" asking for "2 mig.das.com/3g.20gb"
    Then pod "twins" in "pair" stays Pending and its PodScheduled condition says "3g.20gb"
    And pod "twins" in "pair" has no AllocationClaim
    When I delete pod "half" in "pair"
    Then pod "twins" in "pair" is bound to node "pair-1"
    And pod "twins" in "pair" has 2 AllocationClaims in state "created" on node "pair-1"
    And GPU 0 of node "pair-1" holds slices "3g.20gb@0, 3g.20gb@4"

  Scenario: Deleting a pod frees its slots for the next
    Given a GPU node "free-1" with 1 "A100-40GB" GPU
    And a namespace "free"
    When I create pods "first" in "free" one after another, each asking for "1 mig.das.com/7g.40gb"
    And I create a pod "second" in "free" asking for "1 mig.das.com/7g.40gb"
    Then pod "second" in "free" stays Pending and its PodScheduled condition says "7g.40gb"
    When I delete pod "first" in "free"
    Then pod "second" in "free" is bound to node "free-1"
    And pod "second" in "free" has 1 AllocationClaim in state "created" on node "free-1"
    And GPU 0 of node "free-1" holds slices "7g.40gb@0"

  Scenario: The allocator killed mid-run keeps every claim and allocates nothing twice
    Given a GPU node "crash-1" with 2 "A100-40GB" GPUs
    And a namespace "crash"
    When I create pods "c1, c2, c3, c4" in "crash" one after another, each asking for "1 mig.das.com/1g.5gb"
    And the DAS allocator is killed
    And I create pods "c5, c6, c7, c8, c9, c10" in "crash" at once, each asking for "1 mig.das.com/1g.5gb"
    And the DAS allocator is started again
    Then all pods in "crash" are bound within 90 seconds
    And every claim that existed before the crash still exists unchanged
    And every pod of "crash" holds exactly its 1 slice and no slice is held twice
    And no GPU of node "crash-1" holds overlapping or over-budget slices of model "A100-40GB"

  Scenario: An unknown profile is explained and disturbs nothing
    Given a GPU node "bad-1" with 1 "A100-40GB" GPU
    And a namespace "bad"
    When I create pods "good" in "bad" one after another, each asking for "1 mig.das.com/3g.20gb"
    And I create a pod "typo" in "bad" asking for "1 mig.das.com/9g.99gb"
    Then pod "typo" in "bad" stays Pending and its PodScheduled condition says "unknown MIG profile '9g.99gb'; profiles offered on this cluster: "
    And the scheduling message also says "1g.5gb"
    And pod "good" in "bad" has 1 AllocationClaim in state "created" on node "bad-1"

  Scenario: A profile no GPU of the cluster offers is explained
    Given a GPU node "other-1" with 1 "A100-40GB" GPU
    And a namespace "other"
    When I create a pod "hopper" in "other" asking for "1 mig.das.com/3g.71gb"
    Then pod "hopper" in "other" stays Pending and its PodScheduled condition says "no GPU in this cluster offers MIG profile '3g.71gb'"

  Scenario: A zero quantity is explained
    Given a GPU node "zero-1" with 1 "A100-40GB" GPU
    And a namespace "zero"
    When I create a pod "nothing" in "zero" asking for "0 mig.das.com/1g.5gb"
    Then pod "nothing" in "zero" stays Pending and its PodScheduled condition says "asks for 0 slices; ask for at least 1"

  @reference-design-3
  Scenario: A pod that has ended releases its slices (the reference releases them only when the pod is deleted)
    Given a GPU node "ended-1" with 1 "A100-40GB" GPU
    And a namespace "ended"
    When I create pods "job" in "ended" one after another, each asking for "1 mig.das.com/7g.40gb"
    And I create a pod "next" in "ended" asking for "1 mig.das.com/7g.40gb"
    Then pod "next" in "ended" stays Pending and its PodScheduled condition says "7g.40gb"
    When pod "job" in "ended" finishes with phase "Succeeded"
    Then the claims of pod "job" in "ended" are gone within 30 seconds
    And pod "next" in "ended" is bound to node "ended-1"

  Scenario: A slice in use is released only by its node daemon, unless the node is gone
    Given a GPU node "gone-1" with 1 "A100-40GB" GPU
    And a namespace "gone"
    When I create pods "busy" in "gone" one after another, each asking for "1 mig.das.com/3g.20gb"
    And the node daemon stand-in marks the claims of pod "busy" in "gone" as "inUse"
    And pod "busy" in "gone" finishes with phase "Failed"
    Then the claims of pod "busy" in "gone" stay because the node daemon has not torn down their slices
    When I delete node "gone-1"
    Then the claims of pod "busy" in "gone" are gone within 30 seconds

  Scenario: A fractional quantity never reaches the scheduler
    Given a namespace "fraction"
    When I try to create a pod "half" in "fraction" asking for "500m mig.das.com/1g.5gb"
    Then the API server refuses the pod with "must be an integer"
