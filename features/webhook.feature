Feature: The admission webhook makes NVIDIA MIG requests DAS requests
  Users write nvidia.com/mig-<profile> as they would for NVIDIA's device plugin. The API server sends every new
  pod to the DAS webhook over TLS; the webhook rewrites MIG requests to mig.das.com/<profile>, sends the pod to
  das-scheduler, and denies requests DAS can never satisfy. Everything else passes untouched.

  Scenario: A pod asking for nvidia.com/mig-1g.5gb arrives mutated and das-scheduler places it
    Given a GPU node "wh-gpu" with 1 "A100-40GB" GPU
    And a namespace "wh-mutate"
    When I create a pod "infer" in "wh-mutate" with limits "1 nvidia.com/mig-1g.5gb, 1 cpu"
    Then pod "infer" in "wh-mutate" has limits "1 cpu, 1 mig.das.com/1g.5gb" and requests "1 cpu, 1 mig.das.com/1g.5gb"
    And pod "infer" in "wh-mutate" is for scheduler "das-scheduler"
    And pod "infer" in "wh-mutate" is bound to node "wh-gpu"

  @reference-bug-13 @reference-design-8
  Scenario: A whole-GPU pod is left as it is (the reference rewrites every nvidia.com/* resource)
    Given a namespace "wh-whole-gpu"
    When I create a pod "cuda" in "wh-whole-gpu" with limits "1 nvidia.com/gpu"
    Then pod "cuda" in "wh-whole-gpu" has limits "1 nvidia.com/gpu" and requests "1 nvidia.com/gpu"
    And pod "cuda" in "wh-whole-gpu" is for scheduler "default-scheduler"

  Scenario: A pod labelled to opt out is left as it is
    Given a namespace "wh-opt-out"
    When I create a pod "raw" in "wh-opt-out" labelled "das.inference.redhat.com/webhook=disabled" with limits "1 nvidia.com/mig-1g.5gb"
    Then pod "raw" in "wh-opt-out" has limits "1 nvidia.com/mig-1g.5gb" and requests "1 nvidia.com/mig-1g.5gb"
    And pod "raw" in "wh-opt-out" is for scheduler "default-scheduler"

  Scenario: An unknown MIG profile is denied with the message kubectl prints
    Given a namespace "wh-deny"
    When I try to create a pod "huge" in "wh-deny" with limits "1 nvidia.com/mig-9g.99gb"
    Then the client reports that the DAS webhook denied the request: "unknown MIG profile '9g.99gb'; known profiles: "

  Scenario: Replacing the certificate files keeps admission working
    Given a namespace "wh-rotate"
    When the webhook's certificate files are replaced by a new certificate
    Then a new TLS connection to the webhook gets the new certificate
    When I create a pod "after-rotation" in "wh-rotate" with limits "1 nvidia.com/mig-2g.10gb"
    Then pod "after-rotation" in "wh-rotate" has limits "1 mig.das.com/2g.10gb" and requests "1 mig.das.com/2g.10gb"

  Scenario: A malformed AdmissionReview gets HTTP 400 and the server stays up
    Given a namespace "wh-malformed"
    When I post a truncated AdmissionReview to the webhook
    Then the webhook answers HTTP 400 saying "body is not an AdmissionReview admission.k8s.io/v1"
    And the webhook's "/healthz" answers HTTP 200
    When I create a pod "still-served" in "wh-malformed" with limits "1 nvidia.com/mig-1g.5gb"
    Then pod "still-served" in "wh-malformed" is for scheduler "das-scheduler"
