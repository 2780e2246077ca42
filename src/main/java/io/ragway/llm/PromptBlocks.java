package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A chat request's prompt as a chain of block hashes, as a vLLM-style server keys its prefix cache:
 * the tools and messages are rendered to one text, cut into whole blocks of a fixed number of
 * characters, and each block's hash covers the block and the hash before it, so two prompts share
 * block {@code i}'s hash only if they share their first {@code i + 1} blocks.
 */
final class PromptBlocks {

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private PromptBlocks() {}

  /**
   * The prompt of {@code body}: its tools, then each message's role and content, with separators a
   * message's text cannot forge into another split.
   */
  static String render(JsonNode body) {
    StringBuilder b = new StringBuilder(1024);
    JsonNode tools = body.path("tools");
    if (tools.isArray() && !tools.isEmpty()) {
      b.append("\u0001tools\u0002").append(tools).append('\u0003');
    }
    for (JsonNode m : body.path("messages")) {
      b.append('\u0001').append(m.path("role").asText()).append('\u0002');
      JsonNode content = m.path("content");
      if (content.isTextual()) {
        b.append(content.asText());
      } else if (content.isArray()) {
        for (JsonNode part : content) {
          b.append(part.path("text").isTextual() ? part.get("text").asText() : part.toString());
        }
      } else if (!content.isMissingNode() && !content.isNull()) {
        b.append(content);
      }
      JsonNode calls = m.path("tool_calls");
      if (!calls.isMissingNode() && !calls.isNull()) {
        b.append(calls);
      }
      b.append('\u0003');
    }
    return b.toString();
  }

  /** The chained hashes of the whole {@code blockChars}-character blocks of {@code text}; a shorter tail is left out. */
  static long[] chain(CharSequence text, int blockChars) {
    long[] out = new long[text.length() / blockChars];
    long previous = FNV_OFFSET;
    for (int i = 0; i < out.length; i++) {
      long h = previous ^ 0x9e3779b97f4a7c15L;
      for (int c = i * blockChars, end = c + blockChars; c < end; c++) {
        h = (h ^ text.charAt(c)) * FNV_PRIME;
      }
      out[i] = mix(h);
      previous = out[i];
    }
    return out;
  }

  /** A 64-bit hash of {@code text} (FNV-1a, then a finalizer that spreads every bit). */
  static long hash(CharSequence text) {
    long h = FNV_OFFSET;
    for (int i = 0; i < text.length(); i++) {
      h = (h ^ text.charAt(i)) * FNV_PRIME;
    }
    return mix(h);
  }

  /** MurmurHash3's 64-bit finalizer. */
  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
