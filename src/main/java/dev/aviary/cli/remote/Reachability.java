package dev.aviary.cli.remote;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/** Says in a few words why a server could not be reached, from the exception chain a client threw. */
final class Reachability {

    private Reachability() {
    }

    static String cause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof UnknownHostException) return "unknown host " + c.getMessage();
            if (c instanceof NoRouteToHostException) return "no route to host";
            if (c instanceof ConnectException) return "connection refused";
            if (c instanceof HttpTimeoutException || c instanceof TimeoutException
                    || c instanceof java.net.SocketTimeoutException) return "no answer in time";
            if (c instanceof SSLException) return "TLS failed (" + c.getMessage() + ")";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
