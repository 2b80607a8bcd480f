Feature: The node daemon makes, hands over and removes MIG slices
  On every GPU node the DAS node daemon serves one kubelet device plugin per MIG profile. When the kubelet admits a
  pod, the daemon creates the pod's slices on the GPU and at the placement its AllocationClaims name, writes one CDI
  spec per container holding all of the container's slices, and marks the claims inUse. When the pod ends, the
  daemon destroys the slices, removes the specs and lets the claims go. Here every node is emulated: its GPUs live
  in the emulated backend, and a kubelet stand-in speaks the kubelet's side of the device-plugin and pod-resources
  APIs, admits bound pods and reports them Running.

  @reference-bug-15
  Scenario: A pod asking for nvidia.com/mig-1g.5gb runs on its own slice, the slice goes with the pod, and the NodeAccelerator goes with its Node (the reference never deletes it)
    Given an emulated GPU node "nd-one" with 1 "A100-40GB" GPU
    And a namespace "nd-one"
    When I create a pod "solo" in "nd-one" with limits "1 nvidia.com/mig-1g.5gb"
    Then pod "solo" in "nd-one" is Running on node "nd-one"
    And pod "solo" in "nd-one" has 1 AllocationClaim in state "inUse" on node "nd-one"
    And container "main" of pod "solo" in "nd-one" sees the MIG devices of its claims
    And node "nd-one" has a CDI spec for container "main" of pod "solo" in "nd-one" holding the MIG devices of its claims
    And the emulated GPUs of node "nd-one" hold exactly the slices of the claims of pod "solo" in "nd-one"
    And NodeAccelerator "nd-one" reports 1 memory slice in use
    And NodeAccelerator "nd-one" is owned by Node "nd-one"
    And an event "MigSlicesReady" on pod "solo" in "nd-one" says "container main: 1g.5gb MIG-"
    When I delete pod "solo" in "nd-one" and the kubelet stand-in ends it
    Then the emulated GPUs of node "nd-one" hold no slice within 30 seconds
    And node "nd-one" has no CDI spec for pod "solo" in "nd-one"
    And the claims pod "solo" in "nd-one" had are gone
    And NodeAccelerator "nd-one" reports 0 memory slices in use

  @reference-bug-1 @reference-design-1
  Scenario: Two pods of the same profile on one node each get their own slice, never each other's claims (the reference's Allocate takes any created claim of the profile)
    Given an emulated GPU node "nd-two" with 1 "A100-40GB" GPU
    And a namespace "nd-two"
    When I create pods "left, right" in "nd-two" at once, each asking for "1 mig.das.com/2g.10gb"
    Then pod "left" in "nd-two" is Running on node "nd-two"
    And pod "right" in "nd-two" is Running on node "nd-two"
    And container "main" of pod "left" in "nd-two" sees the MIG devices of its claims
    And container "main" of pod "right" in "nd-two" sees the MIG devices of its claims
    And pods "left, right" in "nd-two" see different MIG devices
    And the kubelet stand-in of node "nd-two" and the node daemon agree on which container holds which device

  @reference-bug-9
  Scenario: A container asking for two different profiles sees both of its slices (in the reference each profile's spec sets NVIDIA_VISIBLE_DEVICES and only one survives)
    Given an emulated GPU node "nd-multi" with 1 "H100-80GB" GPU
    And a namespace "nd-multi"
    When I create a pod "mixed" in "nd-multi" with limits "1 nvidia.com/mig-3g.40gb, 2 nvidia.com/mig-1g.10gb"
    Then pod "mixed" in "nd-multi" is Running on node "nd-multi"
    And pod "mixed" in "nd-multi" has 3 AllocationClaims in state "inUse" on node "nd-multi"
    And container "main" of pod "mixed" in "nd-multi" sees the MIG devices of its claims
    And container "main" of pod "mixed" in "nd-multi" has "DAS_MIG_3G_40GB" with 1 MIG device and "DAS_MIG_1G_10GB" with 2

  Scenario: A Job that completes frees its slice
    Given an emulated GPU node "nd-job" with 1 "A100-40GB" GPU
    And a namespace "nd-job"
    When I create a Job "batch" in "nd-job" whose pod runs 2 seconds with limits "1 nvidia.com/mig-4g.20gb"
    Then the Job "batch" in "nd-job" completes within 60 seconds
    And the emulated GPUs of node "nd-job" hold no slice within 30 seconds
    And no AllocationClaim names a pod of Job "batch" in "nd-job"

  @reference-bug-7 @reference-design-6
  Scenario: Restarting the node daemon keeps running pods with several slices per container (the reference deletes them: it compares claims with CDI files)
    Given an emulated GPU node "nd-restart" with 2 "A100-40GB" GPUs
    And a namespace "nd-restart"
    When I create pods "keep-1, keep-2" in "nd-restart" one after another, each asking for "2 mig.das.com/2g.10gb"
    Then pod "keep-1" in "nd-restart" is Running on node "nd-restart"
    And pod "keep-2" in "nd-restart" is Running on node "nd-restart"
    When I remember the pods, claims and slices of node "nd-restart"
    And the node daemon of node "nd-restart" is restarted
    Then the pods, claims and slices of node "nd-restart" are as remembered
    When I create a pod "after" in "nd-restart" asking for "1 mig.das.com/1g.5gb"
    Then pod "after" in "nd-restart" is Running on node "nd-restart"
    When I delete pod "keep-1" in "nd-restart" and the kubelet stand-in ends it
    Then the emulated GPUs of node "nd-restart" hold exactly the slices of the claims of pods "keep-2, after" in "nd-restart"

  Scenario: While the node daemon is down, the GPUs and the claims drift apart; it repairs them on start
    Given an emulated GPU node "nd-drift" with 1 "A100-40GB" GPU
    And a namespace "nd-drift"
    When I create a pod "runner" in "nd-drift" asking for "1 mig.das.com/2g.10gb"
    Then pod "runner" in "nd-drift" is Running on node "nd-drift"
    When the node daemon of node "nd-drift" is stopped
    And the slice of pod "runner" in "nd-drift" vanishes from the emulated GPU
    And an unclaimed "1g.5gb" instance appears at slice 6 of emulated GPU 0 of node "nd-drift"
    And the node daemon of node "nd-drift" is started again
    Then the emulated GPUs of node "nd-drift" hold exactly the slices of the claims of pod "runner" in "nd-drift"
    And pod "runner" in "nd-drift" has 1 AllocationClaim in state "inUse" on node "nd-drift"
    And node "nd-drift" has a CDI spec for container "main" of pod "runner" in "nd-drift" holding the MIG devices of its claims
    And pod "runner" in "nd-drift" is still the same pod and Running

  @reference-bug-10
  Scenario: After a kubelet restart the device plugins register again and new pods get slices (the reference never registers again)
    Given an emulated GPU node "nd-kubelet" with 1 "A100-40GB" GPU
    And a namespace "nd-kubelet"
    When the kubelet of node "nd-kubelet" restarts
    Then the device plugins of node "nd-kubelet" have registered 2 times
    When I create a pod "later" in "nd-kubelet" asking for "1 mig.das.com/1g.5gb"
    Then pod "later" in "nd-kubelet" is Running on node "nd-kubelet"
    And DAS breaks no invariant on the emulated nodes

  @reference-bug-2
  Scenario: A pod whose claims never arrive is not started without its slice (the reference starts it with NVIDIA_VISIBLE_DEVICES=test)
    Given an emulated GPU node "nd-noclaim" with 1 "A100-40GB" GPU
    And a namespace "nd-noclaim"
    When I create a pod "stray" in "nd-noclaim" bound straight to node "nd-noclaim" with limits "1 mig.das.com/1g.5gb"
    Then pod "stray" in "nd-noclaim" fails with reason "UnexpectedAdmissionError" and a message saying "no AllocationClaim for pod nd-noclaim/stray"
    And an event "MigSliceUnavailable" on pod "stray" in "nd-noclaim" says "must be scheduled by das-scheduler"
    And DAS breaks no invariant on the emulated nodes
    And the emulated GPUs of node "nd-noclaim" hold no slice within 5 seconds

  @reference-bug-11 @reference-design-10
  Scenario: Emulated mode takes the GPU model and count from the DASOperator resource (the reference hard-codes two A100-40GB, new UUIDs at every start, and waits for NVIDIA's ClusterPolicy)
    Given the DASOperator "cluster" runs in emulated mode with 3 "H100-80GB" GPUs per node
    And a namespace "nd-operator"
    When an emulated GPU node "nd-operator" joins as the DASOperator "cluster" configures it
    Then NodeAccelerator "nd-operator" lists 3 "H100-80GB" GPUs
    When I create a pod "sized" in "nd-operator" with limits "1 nvidia.com/mig-4g.40gb"
    Then pod "sized" in "nd-operator" is Running on node "nd-operator"
    And emulated GPU 0 of node "nd-operator" holds one "4g.40gb" instance
