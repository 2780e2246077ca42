package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts the tokens of chat messages the way OpenAI bills them: each message's role, content
 * and name, plus a few tokens of framing per message and for priming the reply (OpenAI's
 * cookbook gives 3 and 3). Text is counted with {@code cl100k_base}; for models with another
 * tokenizer the count is an estimate, which is what limits and context checks need before the
 * upstream's own {@code usage} arrives.
 */
public final class ChatTokens {

  private static final int PER_MESSAGE = 3;
  private static final int REPLY_PRIMING = 3;
  private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  /* Texts longer than this are counted each time rather than kept. */
  private static final int MAX_CACHED_CHARS = 64 * 1024;
  /*
   * Counts of texts seen lately, up to about 16 MiB of text: a conversation sends its system prompt
   * and its earlier turns again with every turn, and many clients share one system prompt, so most
   * of a prompt has been counted before. Looking a text up costs a hash of it; counting it costs a
   * pass of the tokenizer's pre-split and byte-pair merges, many times more.
   */
  private static final Cache<String, Integer> COUNTS = Caffeine.newBuilder().maximumWeight(8L << 20)
      .weigher((String text, Integer tokens) -> text.length()).build();

  private ChatTokens() {}

  public static int count(String text) {
    if (text == null || text.isEmpty()) {
      return 0;
    }
    return text.length() > MAX_CACHED_CHARS ? ENCODING.countTokensOrdinary(text)
        : COUNTS.get(text, ENCODING::countTokensOrdinary);
  }

  /** The prompt tokens of an OpenAI {@code messages} array (and {@code tools}, when given). */
  public static int prompt(JsonNode messages, JsonNode tools) {
    int n = REPLY_PRIMING;
    if (messages != null) {
      for (JsonNode m : messages) {
        n += message(m);
      }
    }
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      n += count(tools.toString()); // upstreams render tools into the prompt; their JSON is close in size
    }
    return n;
  }

  /** One message: framing, role, name, content (text parts) and tool calls. */
  public static int message(JsonNode m) {
    int n = PER_MESSAGE + count(m.path("role").asText(""));
    if (m.hasNonNull("name")) {
      n += count(m.get("name").asText()) + 1;
    }
    JsonNode content = m.get("content");
    if (content != null && content.isTextual()) {
      n += count(content.asText());
    } else if (content != null && content.isArray()) {
      for (JsonNode part : content) {
        n += part.path("text").isTextual() ? count(part.get("text").asText()) : count(part.toString());
      }
    }
    if (m.has("tool_calls")) {
      n += count(m.get("tool_calls").toString());
    }
    return n;
  }
}
