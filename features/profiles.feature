Feature: Every MIG profile of the A100-40GB and the H100-80GB, end to end
  A user asks for a profile by NVIDIA's resource name. The webhook sends the pod to das-scheduler, the allocator
  records a claim, the node daemon creates exactly that profile on the GPU when the kubelet admits the pod, and
  destroys it when the pod is deleted.

  Scenario Outline: A pod asking for nvidia.com/mig-<resource> on a <model> runs on a <profile> slice
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
