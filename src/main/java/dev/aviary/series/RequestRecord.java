package dev.aviary.series;

/** A control a person asked for through this Aviary's API: who ordered what, and when (ISO-8601). */
public record RequestRecord(String at, String action, String by) {}
