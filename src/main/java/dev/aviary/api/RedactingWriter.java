package dev.aviary.api;

import dev.aviary.secrets.Redactor;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.WriterInterceptor;
import jakarta.ws.rs.ext.WriterInterceptorContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Every API answer, errors included, passes through the {@link Redactor} on its way out: whatever text reached a
 * rollout's status or an error message, no secret leaves through the API.
 */
@Provider
public class RedactingWriter implements WriterInterceptor {

    private final Redactor redactor;

    public RedactingWriter(Redactor redactor) {
        this.redactor = redactor;
    }

    @Override
    public void aroundWriteTo(WriterInterceptorContext context) throws IOException {
        if (redactor.isEmpty()) {
            context.proceed();
            return;
        }
        OutputStream out = context.getOutputStream();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        context.setOutputStream(buffer);
        try {
            context.proceed();
        } finally {
            context.setOutputStream(out);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        String clean = redactor.redact(text);
        out.write(clean == text ? buffer.toByteArray() : clean.getBytes(StandardCharsets.UTF_8));
    }
}
