package dev.aviary.rollout;

/**
 * @param policy     the policy's name
 * @param policyFile the file it came from
 * @param target     "VirtualService/image-classifier"
 */
public record RolloutSpec(String policy, String policyFile, String target) {}
