Feature: The DAS API in a real cluster
  DAS keeps its state in custom resources of the group inference.redhat.com: an AllocationClaim per MIG slice,
  a NodeAccelerator per GPU node and one DASOperator for the installation. These scenarios run against a real
  kube-apiserver backed by etcd; the API server itself enforces what the CRDs declare.

  Scenario: The DAS custom resource definitions are installed and served
    Then the custom resources "allocationclaims, nodeaccelerators, dasoperators" of group "inference.redhat.com" are established
    And "allocationclaims" version "v1alpha1" has a status subresource and the printer columns "State, Node, GPU, Profile, Start, Pod"
    And "nodeaccelerators" version "v1alpha1" has a status subresource and the printer columns "Type, GPUs, Occupancy"

  Scenario: An AllocationClaim round-trips through the API server
    When I create an AllocationClaim "roundtrip" for profile "3g.20gb" of pod "team-a/train" on node "node-a" GPU "GPU-1111" at start 4 size 4
    And I set the state of AllocationClaim "roundtrip" to "inUse" with MIG device "MIG-aaaa"
    Then reading AllocationClaim "roundtrip" back gives profile "3g.20gb", node "node-a", GPU "GPU-1111", placement 4+4, state "inUse" and MIG device "MIG-aaaa"
    And AllocationClaims can be listed by node "node-a" through a field selector

  Scenario: A NodeAccelerator round-trips through the API server
    When I publish a NodeAccelerator for node "node-b" with 2 "A100-40GB" GPUs
    Then reading NodeAccelerator "node-b" back lists 2 GPUs offering "7g.40gb" at start 0 with GPU-instance profile id 0
    And reading NodeAccelerator "node-b" back lists 2 GPUs offering "1g.5gb" at start 6 with GPU-instance profile id 19

  @reference-design-12
  Scenario: The API server rejects a claim state DAS does not define (the reference's claims have an untyped spec)
    Given an AllocationClaim "bad-state" for profile "1g.5gb" of pod "team-a/infer" on node "node-a" GPU "GPU-2222" at start 0 size 1
    When I try to set the raw state of AllocationClaim "bad-state" to "staged"
    Then the API server rejects it with 422 and a message containing "Unsupported value: \"staged\""

  Scenario: A claim's placement cannot be moved once written
    Given an AllocationClaim "fixed" for profile "1g.5gb" of pod "team-a/infer" on node "node-a" GPU "GPU-3333" at start 2 size 1
    When I try to move AllocationClaim "fixed" to start 3
    Then the API server rejects it with 422 and a message containing "an AllocationClaim's profile, node, GPU and placement are immutable"
