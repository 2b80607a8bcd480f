Feature: DAS components restarted mid-flight lose nothing
  The allocator, das-scheduler and the node daemon each restart while pods run and while new pods arrive. Running
  pods keep their slices, claims are neither lost nor doubled, and pods that arrived meanwhile start once the
  component is back.

  @reference-bug-6
  Scenario: The allocator restarts while pods run and a new pod waits; it places nothing before it has read every claim (the reference serves before its informer has synced, and its claims have no TTL)
    Given an emulated GPU node "rs-alloc" with 1 "A100-40GB" GPU
    And a namespace "rs-alloc"
    When I create pods "a1, a2" in "rs-alloc" one after another, each asking for "1 mig.das.com/2g.10gb"
    Then pod "a2" in "rs-alloc" is Running on node "rs-alloc"
    When I remember the pods, claims and slices of node "rs-alloc"
    And the DAS allocator is killed
    And I create a pod "a3" in "rs-alloc" asking for "1 mig.das.com/2g.10gb"
    Then pod "a3" in "rs-alloc" stays Pending and its PodScheduled condition says "DAS allocator unavailable"
    When the DAS allocator is started again
    Then pod "a3" in "rs-alloc" is Running on node "rs-alloc"
    And the emulated GPUs of node "rs-alloc" hold exactly the slices of the claims of pods "a1, a2, a3" in "rs-alloc"
    And no GPU of node "rs-alloc" holds overlapping or over-budget slices of model "A100-40GB"
    And DAS breaks no invariant on the emulated nodes

  Scenario: das-scheduler restarts while pods run and new pods arrive
    Given an emulated GPU node "rs-sched" with 1 "A100-40GB" GPU
    And a namespace "rs-sched"
    When I create pods "b1" in "rs-sched" one after another, each asking for "1 mig.das.com/3g.20gb"
    Then pod "b1" in "rs-sched" is Running on node "rs-sched"
    When das-scheduler is stopped
    And I create a pod "b2" in "rs-sched" asking for "1 mig.das.com/3g.20gb"
    And das-scheduler is started again
    Then pod "b2" in "rs-sched" is Running on node "rs-sched"
    And pod "b1" in "rs-sched" is still the same pod and Running
    And the emulated GPUs of node "rs-sched" hold exactly the slices of the claims of pods "b1, b2" in "rs-sched"
    And DAS breaks no invariant on the emulated nodes

  Scenario: A pod that ends while the node daemon is down gives its slice back when the daemon returns
    Given an emulated GPU node "rs-node" with 1 "A100-40GB" GPU
    And a namespace "rs-node"
    When I create pods "c1, c2" in "rs-node" one after another, each asking for "1 mig.das.com/1g.5gb"
    Then pod "c2" in "rs-node" is Running on node "rs-node"
    When the node daemon of node "rs-node" is stopped
    And I delete pod "c1" in "rs-node" and the kubelet stand-in ends it
    Then the claims pod "c1" in "rs-node" had stay while their slices exist
    When the node daemon of node "rs-node" is started again
    Then the claims pod "c1" in "rs-node" had are gone
    And the emulated GPUs of node "rs-node" hold exactly the slices of the claims of pod "c2" in "rs-node"
    And pod "c2" in "rs-node" is still the same pod and Running
    And DAS breaks no invariant on the emulated nodes
