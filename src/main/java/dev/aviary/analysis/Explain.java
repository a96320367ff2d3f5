package dev.aviary.analysis;

import java.util.Locale;

/** Formatting shared by the verdict messages, so every judge speaks the same way. */
final class Explain {

    private Explain() {}

    static String percent(double share) {
        if (Double.isNaN(share)) return "n/a";
        double p = 100 * share;
        return String.format(Locale.ROOT, p != 0 && Math.abs(p) < 0.1 ? "%.3f%%" : "%.1f%%", p);
    }

    /** A confidence level such as "99%" or "99.5%". */
    static String confidence(double alpha) {
        double c = 100 * (1 - alpha);
        return (Math.abs(c - Math.rint(c)) < 1e-9 ? String.format(Locale.ROOT, "%.0f", c) : String.format(Locale.ROOT, "%.4g", c)) + "%";
    }

    static String number(double v) {
        if (Double.isNaN(v)) return "n/a";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e6 || a < 1e-3) return String.format(Locale.ROOT, "%.2g", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** e^x without overflow to a meaningless infinity in the evidence record. */
    static double exp(double logValue) {
        return Math.exp(Math.min(logValue, 700));
    }
}
