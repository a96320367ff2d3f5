package dev.aviary.simulate;

import java.util.List;

/**
 * What real traffic adds to constant rates and independent requests. {@link #NONE} is the plain model (Poisson
 * arrivals, binomial errors at the arm's rate).
 *
 * @param pods                  pods per arm; each arm's requests are spread evenly over them
 * @param podRateCv             overdispersion: every {@link #POD_EPOCH_SECONDS} s each pod's error rate is drawn
 *                              afresh from a Beta whose mean is the arm's rate and whose coefficient of variation is
 *                              this (a pod's health wanders: GC, noisy neighbours, cold caches). The arm's expected
 *                              rate stays the arm's rate; its counts vary more than binomial. 0: no overdispersion
 * @param bursts                transient failures (see {@link Burst})
 * @param diurnalAmplitude      relative amplitude of the daily swing of the request rate and, with it, of both arms'
 *                              error rates (load raises errors); the phase is drawn per run. 0: constant
 * @param diurnalPeriodSeconds  the swing's period (a day)
 * @param headerPopulationShift the header-route group's error rate over the population's, on both arms alike: its
 *                              inputs are harder (or easier). In a header-route step only the canary serves the group
 *                              (a comparison confounded by who is asking); elsewhere both arms serve it in proportion
 */
public record Noise(int pods, double podRateCv, List<Burst> bursts, double diurnalAmplitude, double diurnalPeriodSeconds,
                    double headerPopulationShift) {

    public static final double DAY = 86_400;
    public static final Noise NONE = new Noise(1, 0, List.of(), 0, DAY, 1);
    /** How long a pod keeps the error rate it drew. */
    public static final long POD_EPOCH_SECONDS = 60;

    public Noise {
        if (pods < 1) throw new IllegalArgumentException("--pods must be at least 1");
        if (!(podRateCv >= 0 && podRateCv <= 3)) throw new IllegalArgumentException("--overdispersion (the pods' error-rate CV) must be within 0-3");
        if (!(diurnalAmplitude >= 0 && diurnalAmplitude < 1)) throw new IllegalArgumentException("--diurnal-amplitude must be within [0, 1)");
        if (!(diurnalPeriodSeconds > 0)) throw new IllegalArgumentException("the diurnal period must be positive");
        if (!(headerPopulationShift > 0)) throw new IllegalArgumentException("--header-population-shift must be positive");
        bursts = List.copyOf(bursts);
    }

    public Noise withPods(int n, double cv) {
        return new Noise(n, cv, bursts, diurnalAmplitude, diurnalPeriodSeconds, headerPopulationShift);
    }

    public Noise withBursts(List<Burst> b) {
        return new Noise(pods, podRateCv, b, diurnalAmplitude, diurnalPeriodSeconds, headerPopulationShift);
    }

    public Noise withDiurnal(double amplitude, double periodSeconds) {
        return new Noise(pods, podRateCv, bursts, amplitude, periodSeconds, headerPopulationShift);
    }

    public Noise withHeaderPopulationShift(double shift) {
        return new Noise(pods, podRateCv, bursts, diurnalAmplitude, diurnalPeriodSeconds, shift);
    }

    /** A burst that only the canary suffers: a real regression, however short. */
    public boolean canaryOnlyBurst() {
        return bursts.stream().anyMatch(b -> b.arm() == Burst.Arm.CANARY);
    }
}
