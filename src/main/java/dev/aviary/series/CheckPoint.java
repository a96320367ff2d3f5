package dev.aviary.series;

import dev.aviary.analysis.Outcome;

/**
 * One check's evidence at one tick. Any number may be null when the check's judge does not produce it.
 *
 * @param eValue    the anytime-valid evidence against the canary (e-value)
 * @param threshold the e-value at which the check fails: 1/alpha for this check's share of the policy's alpha
 *                  (null for checks without an e-value)
 * @param estimate  the judge's point estimate (rate ratio, share of slow requests, agreement...)
 * @param lower     its lower confidence bound
 * @param upper     its upper confidence bound
 */
public record CheckPoint(String check, Outcome outcome, Double eValue, Double threshold, Double estimate, Double lower,
        Double upper) {}
