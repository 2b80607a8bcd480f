package com.redhat.das.testbed.invariants;

/**
 * One broken invariant.
 *
 * @param kind    which invariant
 * @param subject what it is about: a pod's container, a claim, a slice on a GPU, a CDI file
 * @param detail  what was found, in words an operator can act on
 */
public record Violation(Kind kind, String subject, String detail) {

    public enum Kind {
        /** Two slices share a memory slice of one GPU. Never legitimate, not even for an instant. */
        OVERLAPPING_SLICES(false),
        /** More than one {@code +me} slice (or claim) on one GPU: the GPU has one set of media engines. */
        SECOND_MEDIA_EXTENSION_SLICE(false),
        /** Two live claims (not failed) hold overlapping memory slices of one GPU: a slice promised twice. */
        DUPLICATE_CLAIM(false),
        /**
         * A pod holds more claims than all its containers ask for. Seen for a moment while the node daemon repairs a
         * crossed admission (it re-points two pods' claims one after the other); lasting, it is a claim given twice.
         */
        EXCESS_CLAIMS(true),
        /** A running container lacks a slice its claims promise, or the CDI device that hands it over. */
        RUNNING_CONTAINER_WITHOUT_SLICE(true),
        /** A claim whose pod is gone or has ended. */
        CLAIM_WITHOUT_LIVE_POD(true),
        /** A slice on a GPU that no claim accounts for: a leaked slice. */
        SLICE_WITHOUT_CLAIM(true),
        /** A CDI spec whose pod has no claims any more: a leaked spec. */
        CDI_SPEC_WITHOUT_CLAIM(true),
        /** A claim in use whose slice does not exist, or exists on another GPU or at another placement. */
        CLAIM_PLACEMENT_DIFFERS_FROM_SLICE(true),
        /** A NodeAccelerator's reported occupancy differs from what its claims in use say. */
        OCCUPANCY_DISAGREES_WITH_CLAIMS(true);

        private final boolean transientWhileConverging;

        Kind(boolean transientWhileConverging) {
            this.transientWhileConverging = transientWhileConverging;
        }

        /**
         * Whether the state may be seen for a moment in a correct system (a slice being made, a pod being torn
         * down, a status not yet republished): such a violation counts only once it has lasted the grace period.
         */
        public boolean transientWhileConverging() {
            return transientWhileConverging;
        }
    }

    /** Identity across checks: the same broken invariant about the same thing. */
    String key() {
        return kind + " " + subject;
    }

    @Override
    public String toString() {
        return kind + " " + subject + ": " + detail;
    }
}
