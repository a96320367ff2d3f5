package dev.aviary.shadow;

/**
 * How a pair of answers is compared, as the policy writes it under {@code compare:}.
 *
 * @param method     top1, topk, max-prob-delta, js or numeric
 * @param k          topk: how many top labels of each answer to compare
 * @param minOverlap topk: the share of the k labels both answers must have in common (0-1)
 * @param tolerance  max-prob-delta, numeric: the largest difference that still agrees; js: the largest
 *                   Jensen-Shannon divergence (base 2, 0-1)
 */
public record CompareSpec(String method, int k, double minOverlap, double tolerance) {

    public static final CompareSpec TOP1 = new CompareSpec("top1", 1, 1, 0);
}
