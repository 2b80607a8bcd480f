Feature: Every MIG profile of the A100-40GB, the H100-80GB and the A30-24GB, end to end
  A user asks for a profile by NVIDIA's resource name. The webhook sends the pod to das-scheduler, the allocator
  records a claim, the node daemon creates exactly that profile on the GPU when the kubelet admits the pod, and
  destroys it when the pod is deleted.

  @reference-bug-4 @reference-design-4
  Scenario Outline: A pod asking for nvidia.com/mig-<resource> on a <model> runs on a <profile> slice of that profile's own GPU and compute instance profiles (the reference uses the GI index as CI profile and lets names collide)
    Given an emulated GPU node "<node>" with 1 "<model>" GPU
    And a namespace "<node>"
    When I create a pod "p" in "<node>" with limits "1 nvidia.com/mig-<resource>"
    Then pod "p" in "<node>" is Running on node "<node>"
    And pod "p" in "<node>" has 1 AllocationClaim in state "inUse" on node "<node>"
    And the emulated GPUs of node "<node>" hold exactly the slices of the claims of pod "p" in "<node>"
    And emulated GPU 0 of node "<node>" holds one "<profile>" instance
    And container "main" of pod "p" in "<node>" sees the MIG devices of its claims
    When I delete pod "p" in "<node>" and the kubelet stand-in ends it
    Then the emulated GPUs of node "<node>" hold no slice within 30 seconds
    And the claims pod "p" in "<node>" had are gone

    Examples: A100-40GB
      | model     | profile    | resource   | node        |
      | A100-40GB | 1g.5gb     | 1g.5gb     | a100-1g5    |
      | A100-40GB | 1g.5gb+me  | 1g.5gb.me  | a100-1g5me  |
      | A100-40GB | 1g.10gb    | 1g.10gb    | a100-1g10   |
      | A100-40GB | 2g.10gb    | 2g.10gb    | a100-2g10   |
      | A100-40GB | 3g.20gb    | 3g.20gb    | a100-3g20   |
      | A100-40GB | 4g.20gb    | 4g.20gb    | a100-4g20   |
      | A100-40GB | 7g.40gb    | 7g.40gb    | a100-7g40   |

    Examples: H100-80GB
      | model     | profile    | resource   | node        |
      | H100-80GB | 1g.10gb    | 1g.10gb    | h100-1g10   |
      | H100-80GB | 1g.10gb+me | 1g.10gb.me | h100-1g10me |
      | H100-80GB | 1g.20gb    | 1g.20gb    | h100-1g20   |
      | H100-80GB | 2g.20gb    | 2g.20gb    | h100-2g20   |
      | H100-80GB | 3g.40gb    | 3g.40gb    | h100-3g40   |
      | H100-80GB | 4g.40gb    | 4g.40gb    | h100-4g40   |
      | H100-80GB | 7g.80gb    | 7g.80gb    | h100-7g80   |

    Examples: A30-24GB, whose 2g.12gb the reference confused with 2g.12gb+me
      | model    | profile    | resource   | node       |
      | A30-24GB | 1g.6gb     | 1g.6gb     | a30-1g6    |
      | A30-24GB | 1g.6gb+me  | 1g.6gb.me  | a30-1g6me  |
      | A30-24GB | 2g.12gb    | 2g.12gb    | a30-2g12   |
      | A30-24GB | 2g.12gb+me | 2g.12gb.me | a30-2g12me |
      | A30-24GB | 4g.24gb    | 4g.24gb    | a30-4g24   |
