package dev.aviary.notify;

import dev.aviary.secrets.Redactor;
import dev.aviary.secrets.SecretException;
import dev.aviary.secrets.SecretValues;
import java.net.URI;

/**
 * The policy's Secrets as channels use them: each value is registered with the {@link Redactor} as soon as it is
 * read (before anything could print it), then trimmed and checked; errors name the Secret and key, never the value.
 */
public final class ChannelSecrets {

    private final SecretReader reader;
    private final Redactor redactor;

    public ChannelSecrets(SecretReader reader, Redactor redactor) {
        this.reader = reader;
        this.redactor = redactor;
    }

    /** An http(s) URL, such as a Slack incoming-webhook URL. */
    public URI url(String namespace, String secret, String key) throws Exception {
        return SecretValues.url(read(namespace, secret, key), origin(namespace, secret, key));
    }

    /** A signing key, such as a webhook's HMAC key. */
    public String key(String namespace, String secret, String key) throws Exception {
        return SecretValues.key(read(namespace, secret, key), origin(namespace, secret, key));
    }

    private String read(String namespace, String secret, String key) throws Exception {
        String value = reader.read(namespace, secret, key);
        if (value == null) throw new SecretException(origin(namespace, secret, key) + " is missing");
        redactor.register(value);
        return value;
    }

    static String origin(String namespace, String secret, String key) {
        return "Secret " + namespace + "/" + secret + " key '" + key + "'";
    }
}
