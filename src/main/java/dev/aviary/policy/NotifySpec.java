package dev.aviary.policy;

/** A notification channel; secrets are named by Secret reference, never inlined. */
public record NotifySpec(Kind kind, String url, String secretRef) {
    public enum Kind { SLACK, WEBHOOK }
}
