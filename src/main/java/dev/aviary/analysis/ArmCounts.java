package dev.aviary.analysis;

/** Events counted for one arm over the current step: all requests, and the "bad" ones (errors, slow...). */
public record ArmCounts(long total, long bad) {
    public ArmCounts {
        if (total < 0 || bad < 0 || bad > total) {
            throw new IllegalArgumentException("counts must satisfy 0 <= bad <= total, got bad=" + bad + " total=" + total);
        }
    }

    public double rate() {
        return total == 0 ? Double.NaN : (double) bad / total;
    }
}
