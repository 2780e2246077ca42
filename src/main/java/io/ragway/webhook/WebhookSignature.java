package io.ragway.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a delivery is signed: {@code X-Ragway-Signature: sha256=<hex>} is the HMAC-SHA256, keyed by the
 * webhook's secret, of {@code <X-Ragway-Timestamp>.<body>}. A receiver recomputes it, compares in
 * constant time, and refuses timestamps too far from its own clock, so a recorded delivery cannot
 * be replayed later.
 */
public final class WebhookSignature {

  /** The header with the signature. */
  public static final String SIGNATURE = "X-Ragway-Signature";
  /** The header with the delivery's time, seconds since the epoch; part of what is signed. */
  public static final String TIMESTAMP = "X-Ragway-Timestamp";

  private WebhookSignature() {}

  /** The value of {@link #SIGNATURE} for {@code body} sent at {@code timestamp} (epoch seconds). */
  public static String sign(String secret, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
  }

  /**
   * Whether {@code signature} and {@code timestamp} (the two headers as received) sign {@code body}
   * with {@code secret}, at most {@code tolerance} away from {@code now}.
   */
  public static boolean verify(String secret, String signature, String timestamp, String body, Instant now,
      Duration tolerance) {
    if (signature == null || timestamp == null || !timestamp.matches("\\d{1,19}")) {
      return false;
    }
    long t;
    try {
      t = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(now.getEpochSecond() - t) > tolerance.toSeconds()) {
      return false;
    }
    return MessageDigest.isEqual(sign(secret, t, body).getBytes(StandardCharsets.UTF_8),
        signature.getBytes(StandardCharsets.UTF_8));
  }
}
