package dev.aviary.cli.remote;

/**
 * Why a command could not do what it was asked, in one line that says what to fix; never carries a token. The exit
 * code is 1 (nothing reachable, refused, no such rollout) or 2 (the command line itself is wrong).
 */
public class Failure extends RuntimeException {

    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private final int exitCode;

    public Failure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public static Failure failed(String message) {
        return new Failure(FAILED, message);
    }

    public static Failure usage(String message) {
        return new Failure(USAGE, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
