Feature: What the reference implementation gets wrong stays out of DAS
  The reference DAS operator loses slices, leaks claims, kills healthy pods on restart and starts containers without
  their slice (its bugs and design weaknesses are listed in the project's reference notes, numbered). Every one of
  them has a scenario that would fail if DAS did the same: the scenarios below, and scenarios elsewhere tagged
  with the number (reference-bug-N, reference-design-N) whose titles say which behaviour of the reference they guard
  against. RegressionTagsTest checks that no number of either list is left without one.

  @reference-bug-3
  Scenario: A second +me pod never shares a GPU with the first (the reference does not know that a GPU has one set of media engines)
    Given an emulated GPU node "rg-me" with 1 "A100-40GB" GPU
    And a namespace "rg-me"
    When I create a pod "media-1" in "rg-me" with limits "1 nvidia.com/mig-1g.5gb.me"
    Then pod "media-1" in "rg-me" is Running on node "rg-me"
    And emulated GPU 0 of node "rg-me" holds one "1g.5gb+me" instance
    When I create a pod "media-2" in "rg-me" with limits "1 nvidia.com/mig-1g.5gb.me"
    Then pod "media-2" in "rg-me" stays Pending and its PodScheduled condition says "Insufficient mig.das.com/1g.5gb-plus-me"
    When I create a pod "plain" in "rg-me" with limits "1 nvidia.com/mig-1g.5gb"
    Then pod "plain" in "rg-me" is Running on node "rg-me"
    When I delete pod "media-1" in "rg-me" and the kubelet stand-in ends it
    Then pod "media-2" in "rg-me" is Running on node "rg-me"
    And DAS breaks no invariant on the emulated nodes

  @reference-bug-8 @reference-design-7
  Scenario: A container's CDI spec carries no hook that removes it, so the slice lives as long as the pod (the reference's poststop rm hook frees the slice of a pod that still runs)
    Given an emulated GPU node "rg-cdi" with 1 "A100-40GB" GPU
    And a namespace "rg-cdi"
    When I create a pod "steady" in "rg-cdi" with limits "1 nvidia.com/mig-2g.10gb, 1 nvidia.com/mig-1g.5gb"
    Then pod "steady" in "rg-cdi" is Running on node "rg-cdi"
    And the CDI spec of container "main" of pod "steady" in "rg-cdi" on node "rg-cdi" carries no hooks
    And node "rg-cdi" has a CDI spec for container "main" of pod "steady" in "rg-cdi" holding the MIG devices of its claims
    And DAS breaks no invariant on the emulated nodes

  @reference-bug-12 @reference-design-2
  Scenario: Placing a pod writes one claim per slice, on the chosen node only (the reference writes claims in Filter for every candidate node)
    Given a GPU node "rg-w1" with 1 "A100-40GB" GPU
    And a GPU node "rg-w2" with 1 "A100-40GB" GPU
    And a GPU node "rg-w3" with 1 "A100-40GB" GPU
    And a namespace "rg-writes"
    And I count the AllocationClaims written from now on
    When I create a pod "counted" in "rg-writes" asking for "2 mig.das.com/1g.5gb"
    Then 2 AllocationClaims were created for pod "counted" in "rg-writes", all on the node it is bound to, and none was deleted
