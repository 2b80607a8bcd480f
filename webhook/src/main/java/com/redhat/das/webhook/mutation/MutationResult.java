package com.redhat.das.webhook.mutation;

import java.util.List;
import java.util.Objects;

/** What the webhook answers for one pod: admit it with a (possibly empty) patch, or deny it with a reason. */
public sealed interface MutationResult {

    /** Admit; an empty patch means the pod is left as it is. */
    record Allowed(List<PatchOperation> patch) implements MutationResult {
        public Allowed {
            patch = List.copyOf(patch);
        }

        public boolean changesPod() {
            return !patch.isEmpty();
        }
    }

    /** Deny; {@code message} is what kubectl shows after "denied the request: ". */
    record Denied(String message) implements MutationResult {
        public Denied {
            Objects.requireNonNull(message, "message");
        }
    }
}
