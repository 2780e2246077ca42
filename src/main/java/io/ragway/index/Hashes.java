package io.ragway.index;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 content hashes, in lower-case hex, used to detect changed files and repeated chunks. */
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

  public static String sha256(byte[] bytes) {
    MessageDigest digest;
    try {
      digest = (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      digest = newDigest();
    }
    return HexFormat.of().formatHex(digest.digest(bytes));
  }

  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }
}
