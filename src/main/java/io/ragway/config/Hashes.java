package io.ragway.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, as bytes or in lower-case hex: content hashes of files, chunks, prompt versions and
 * cache keys, API key secrets, rollout buckets.
 */
public final class Hashes {

  private Hashes() {}

  /* Copied for each hash: finding the algorithm among the security providers costs more than hashing a short text. */
  private static final MessageDigest PROTOTYPE = newDigest();

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The 32 bytes of the hash of {@code bytes}. */
  public static byte[] digest(byte[] bytes) {
    MessageDigest digest;
    try {
      digest = (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      digest = newDigest();
    }
    return digest.digest(bytes);
  }

  /** The 32 bytes of the hash of {@code text} in UTF-8. */
  public static byte[] digest(String text) {
    return digest(text.getBytes(StandardCharsets.UTF_8));
  }

  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest(bytes));
  }

  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }
}
