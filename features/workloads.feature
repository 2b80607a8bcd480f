Feature: Workloads of every shape get their slices, and give them back
  Pods with several containers, several slices per container and init containers; Deployments and StatefulSets
  scaled up and down; pods that wait for room and start when it frees; and packing that keeps whole GPUs free for
  large profiles. Every node is emulated and runs the real node daemon behind a kubelet stand-in.

  Scenario: Several containers, several slices per container
    Given an emulated GPU node "wl-multi" with 2 "A100-40GB" GPUs
    And a namespace "wl-multi"
    When I create a pod "trainer" in "wl-multi" with these containers:
      | container | kind | limits                                           |
      | worker    | app  | 2 nvidia.com/mig-1g.5gb                          |
      | evaluator | app  | 1 nvidia.com/mig-2g.10gb, 1 nvidia.com/mig-1g.5gb |
      | logger    | app  |                                                  |
    Then pod "trainer" in "wl-multi" is Running on node "wl-multi"
    And pod "trainer" in "wl-multi" has 4 AllocationClaims in state "inUse" on node "wl-multi"
    And container "worker" of pod "trainer" in "wl-multi" sees the MIG devices of its claims
    And container "evaluator" of pod "trainer" in "wl-multi" sees the MIG devices of its claims
    And container "worker" of pod "trainer" in "wl-multi" sees 2 MIG devices
    And container "evaluator" of pod "trainer" in "wl-multi" sees 2 MIG devices
    And container "logger" of pod "trainer" in "wl-multi" sees no MIG device
    And the emulated GPUs of node "wl-multi" hold exactly the slices of the claims of pod "trainer" in "wl-multi"
    When I delete pod "trainer" in "wl-multi" and the kubelet stand-in ends it
    Then the emulated GPUs of node "wl-multi" hold no slice within 30 seconds

  Scenario: An init container runs on a slice the app container then keeps
    Given an emulated GPU node "wl-init" with 1 "A100-40GB" GPU
    And a namespace "wl-init"
    When I create a pod "prepared" in "wl-init" with these containers:
      | container | kind | limits                  |
      | fetch     | init | 1 nvidia.com/mig-3g.20gb |
      | serve     | app  | 1 nvidia.com/mig-3g.20gb |
    Then pod "prepared" in "wl-init" is Running on node "wl-init"
    And pod "prepared" in "wl-init" has 1 AllocationClaim in state "inUse" on node "wl-init"
    And container "fetch" of pod "prepared" in "wl-init" sees the MIG devices of container "serve"
    And container "serve" of pod "prepared" in "wl-init" sees the MIG devices of its claims

  Scenario: An init container that needs more than the app containers gets its own extra slice
    Given an emulated GPU node "wl-init2" with 1 "A100-40GB" GPU
    And a namespace "wl-init2"
    When I create a pod "staged" in "wl-init2" with these containers:
      | container | kind | limits                 |
      | warmup    | init | 2 nvidia.com/mig-1g.5gb |
      | serve     | app  | 1 nvidia.com/mig-1g.5gb |
    Then pod "staged" in "wl-init2" is Running on node "wl-init2"
    And pod "staged" in "wl-init2" has 2 AllocationClaims in state "inUse" on node "wl-init2"
    And container "warmup" of pod "staged" in "wl-init2" sees 2 MIG devices
    And container "serve" of pod "staged" in "wl-init2" sees the MIG devices of its claims

  Scenario: A Deployment scaled up and down holds one slice per replica
    Given an emulated GPU node "wl-deploy" with 2 "A100-40GB" GPUs
    And a namespace "wl-deploy"
    When I create a Deployment "web" in "wl-deploy" with 2 replicas asking for "1 nvidia.com/mig-2g.10gb"
    Then 2 pods of "web" in "wl-deploy" are Running, each on its own slice
    When I scale "deployment" "web" in "wl-deploy" to 5 replicas
    Then 5 pods of "web" in "wl-deploy" are Running, each on its own slice
    And no GPU of node "wl-deploy" holds overlapping or over-budget slices of model "A100-40GB"
    When I scale "deployment" "web" in "wl-deploy" to 1 replicas
    Then 1 pods of "web" in "wl-deploy" are Running, each on its own slice
    And the emulated GPUs of node "wl-deploy" hold exactly the slices of the claims of the pods of "web" in "wl-deploy"

  Scenario: A StatefulSet scaled up and down holds one slice per replica
    Given an emulated GPU node "wl-sts" with 1 "H100-80GB" GPU
    And a namespace "wl-sts"
    When I create a StatefulSet "db" in "wl-sts" with 2 replicas asking for "1 nvidia.com/mig-3g.40gb"
    Then 2 pods of "db" in "wl-sts" are Running, each on its own slice
    When I scale "statefulset" "db" in "wl-sts" to 1 replicas
    Then 1 pods of "db" in "wl-sts" are Running, each on its own slice
    And the emulated GPUs of node "wl-sts" hold exactly the slices of the claims of the pods of "db" in "wl-sts"
    When I scale "statefulset" "db" in "wl-sts" to 2 replicas
    Then 2 pods of "db" in "wl-sts" are Running, each on its own slice

  Scenario: A pod that cannot fit waits, says why, and starts when a slice frees
    Given an emulated GPU node "wl-wait" with 1 "A100-40GB" GPU
    And a namespace "wl-wait"
    When I create a pod "big" in "wl-wait" with limits "1 nvidia.com/mig-4g.20gb"
    Then pod "big" in "wl-wait" is Running on node "wl-wait"
    When I create a pod "also-big" in "wl-wait" with limits "2 nvidia.com/mig-2g.10gb"
    Then pod "also-big" in "wl-wait" stays Pending and its PodScheduled condition says "fits 1 of the 2 slices of 2g.10gb"
    When I delete pod "big" in "wl-wait" and the kubelet stand-in ends it
    Then pod "also-big" in "wl-wait" is Running on node "wl-wait"
    And the emulated GPUs of node "wl-wait" hold exactly the slices of the claims of pod "also-big" in "wl-wait"

  @reference-design-5
  Scenario: Small slices are packed so that a 7g.40gb still fits (the reference's first fit spreads them)
    Given an emulated GPU node "wl-pack" with 2 "A100-40GB" GPUs
    And a namespace "wl-pack"
    When I create pods "s1, s2, s3" in "wl-pack" one after another, each asking for "1 mig.das.com/1g.5gb"
    And I create pods "m1" in "wl-pack" one after another, each asking for "1 mig.das.com/2g.10gb"
    Then pod "m1" in "wl-pack" is Running on node "wl-pack"
    And the pods "s1, s2, s3, m1" in "wl-pack" all hold slices on the same GPU of node "wl-pack"
    When I create a pod "whole" in "wl-pack" with limits "1 nvidia.com/mig-7g.40gb"
    Then pod "whole" in "wl-pack" is Running on node "wl-pack"
    And the emulated GPUs of node "wl-pack" hold exactly the slices of the claims of pods "s1, s2, s3, m1, whole" in "wl-pack"

  Scenario: An unknown profile and an impossible +me count are refused before anything is allocated
    Given an emulated GPU node "wl-bad" with 1 "A100-40GB" GPU
    And a namespace "wl-bad"
    When I try to create a pod "typo" in "wl-bad" with limits "1 nvidia.com/mig-3g.21gb"
    Then the client reports that the DAS webhook denied the request: "unknown MIG profile"
    When I try to create a pod "greedy" in "wl-bad" with limits "2 nvidia.com/mig-1g.5gb.me"
    Then the client reports that the DAS webhook denied the request: "container 'main' asks for 2 media-extension (+me) slices"
    And the emulated GPUs of node "wl-bad" hold no slice within 2 seconds
