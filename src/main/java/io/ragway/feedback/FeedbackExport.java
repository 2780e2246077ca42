package io.ragway.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import io.ragway.config.JsonMappers;
import io.ragway.index.Chunk;
import io.ragway.index.Index;
import io.ragway.retrieve.Retrieval;
import io.ragway.llm.ChatTokens;
import io.ragway.store.AnswerRecords;
import io.ragway.store.AnswerRecords.Feedback;
import io.ragway.store.AnswerRecords.Rated;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns one tenant's rated answers into a JSONL file (docs/feedback.md, "Export"): an evaluation
 * set for {@code ragway eval answers}, OpenAI chat fine-tuning rows, or OpenAI preference (DPO) rows.
 * Rows that do not fit the format are skipped and counted by reason, never written half-valid.
 */
public final class FeedbackExport {

  /** The default largest example, in tokens: the per-example training context of OpenAI's older chat models. */
  public static final int DEFAULT_MAX_TOKENS = 16_385;

  /** What a row is made of. */
  public enum Format {
    EVAL, OPENAI_CHAT, DPO;

    /** {@code eval}, {@code openai-chat} or {@code dpo}. */
    public static Format parse(String s) {
      return switch (s.strip().toLowerCase(Locale.ROOT)) {
        case "eval" -> EVAL;
        case "openai-chat" -> OPENAI_CHAT;
        case "dpo" -> DPO;
        default -> throw new IllegalArgumentException("--format must be eval, openai-chat or dpo, got '" + s + "'");
      };
    }

    /** The lowest rating exported when none is asked for: only well-rated answers are fine-tuning examples. */
    public int defaultMinRating() {
      return this == OPENAI_CHAT ? 4 : 1;
    }
  }

  /**
   * How to export.
   *
   * @param minRating the lowest rating (1 to 5, up = 5, down = 1) of an answer's latest feedback that is exported
   * @param maxTokens the most tokens an example may have (openai-chat and dpo)
   * @param system a system message put first in openai-chat and dpo rows; empty for none
   */
  public record Options(Format format, int minRating, int maxTokens, Optional<String> system) {
    public Options {
      Objects.requireNonNull(format, "format");
      if (minRating < 1 || minRating > 5) {
        throw new IllegalArgumentException("--min-rating must be 1 to 5 (up counts as 5, down as 1), got " + minRating);
      }
      if (maxTokens < 1) {
        throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
      }
      system = system.filter(s -> !s.isBlank());
    }
  }

  /**
   * Rows written, rows skipped by reason, and {@code eval} rows written with fewer contexts than
   * their answer was given, by reason.
   */
  public record Summary(int written, Map<String, Integer> skipped, Map<String, Integer> partial) {
    public Summary {
      skipped = Map.copyOf(skipped);
      partial = Map.copyOf(partial);
    }

    public Summary(int written, Map<String, Integer> skipped) {
      this(written, skipped, Map.of());
    }

    public int skippedTotal() {
      return skipped.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private static final ObjectMapper JSON = JsonMappers.create();

  private FeedbackExport() {}

  /** A rating on the 1-5 scale: {@code up} is 5, {@code down} is 1. */
  public static int score(String rating) {
    return switch (rating) {
      case "up" -> 5;
      case "down" -> 1;
      default -> Integer.parseInt(rating);
    };
  }

  /** Writes one JSON object per line to {@code out} for each of {@code answers} that fits {@code options}; no contexts. */
  public static Summary write(List<Rated> answers, Options options, Writer out) throws IOException {
    return write(answers, options, Optional.empty(), out);
  }

  /**
   * Writes one JSON object per line to {@code out} for each of {@code answers} that fits {@code
   * options}; {@code eval} rows get the {@code contexts} their answer was given, read from {@code
   * index} by the chunk ids the record keeps (none without an index).
   */
  public static Summary write(List<Rated> answers, Options options, Optional<Index> index, Writer out) throws IOException {
    int written = 0;
    Map<String, Integer> skipped = new TreeMap<>();
    Map<String, Integer> partial = new TreeMap<>();
    for (Rated r : answers) {
      Feedback latest = r.feedback().getLast(); // every rating is kept; the latest one stands
      int rating = score(latest.rating());
      Optional<String> correction = r.feedback().reversed().stream()
          .flatMap(f -> f.correction().stream()).filter(c -> !c.isBlank()).findFirst();
      String question = r.answer().question().orElseThrow();
      String answer = r.answer().answer().orElseThrow();
      String why = null;
      ObjectNode row = null;
      if (rating < options.minRating()) {
        why = "rated below " + options.minRating();
      } else {
        switch (options.format()) {
          case EVAL -> {
            if (correction.isEmpty()) {
              why = "no correction";
            } else {
              row = JSON.createObjectNode().put("id", r.answer().id()).put("question", question).put("answer", answer);
              List<String> contexts = contexts(r.answer(), index, partial);
              if (!contexts.isEmpty()) {
                contexts.forEach(row.putArray("contexts")::add);
              }
              row.put("ground_truth", correction.get()).put("rating", rating).put("model", r.answer().model());
            }
          }
          case OPENAI_CHAT -> {
            row = JSON.createObjectNode();
            ArrayNode messages = prompt(row.putArray("messages"), options, question);
            messages.addObject().put("role", "assistant").put("content", answer);
            why = invalid(messages, options.maxTokens());
          }
          case DPO -> {
            if (correction.isEmpty()) {
              why = "no correction";
            } else if (correction.get().strip().equals(answer.strip())) {
              why = "correction same as answer";
            } else {
              row = JSON.createObjectNode();
              ArrayNode messages = prompt(row.putObject("input").putArray("messages"), options, question);
              row.putArray("preferred_output").addObject().put("role", "assistant").put("content", correction.get());
              row.putArray("non_preferred_output").addObject().put("role", "assistant").put("content", answer);
              ArrayNode longest = messages.deepCopy();
              longest.add(row.get(correction.get().length() >= answer.length() ? "preferred_output" : "non_preferred_output").get(0));
              why = invalid(longest, options.maxTokens());
            }
          }
        }
      }
      if (why != null) {
        skipped.merge(why, 1, Integer::sum);
        continue;
      }
      out.write(JSON.writeValueAsString(row));
      out.write('\n');
      written++;
    }
    out.flush();
    return new Summary(written, skipped, partial);
  }

  /*
   * The texts of the chunks an answer was given, best first: its record keeps every retrieved
   * chunk's id and a hash of its text (older records and cached answers: the cited chunks' ids
   * only). The texts are read from the index as it is now; a chunk no longer there, or whose text
   * changed since (its document re-ingested), is left out and counted: a context the answer was not
   * given would make context precision and recall wrong.
   */
  private static List<String> contexts(AnswerRecords.Answer answer, Optional<Index> index, Map<String, Integer> partial)
      throws IOException {
    JsonNode retrieval = JSON.readTree(answer.retrieval().isBlank() ? "{}" : answer.retrieval());
    List<JsonNode> refs = new ArrayList<>();
    (retrieval.path("retrieved").isEmpty() ? retrieval.path("chunks") : retrieval.path("retrieved")).forEach(refs::add);
    refs.sort(Comparator.comparingInt(c -> c.path("rank").asInt()));
    if (refs.isEmpty()) {
      partial.merge("no retrieved chunks recorded (an upstream model's answer)", 1, Integer::sum);
      return List.of();
    }
    if (index.isEmpty()) {
      partial.merge("no index: contexts not exported", 1, Integer::sum);
      return List.of();
    }
    Map<String, Chunk> held = new HashMap<>();
    for (Chunk c : index.get().chunks(refs.stream().map(c -> c.path("id").asText()).toList())) {
      if (c.tenant().equals(answer.tenant())) {
        held.put(c.id(), c);
      }
    }
    List<String> out = new ArrayList<>(refs.size());
    for (JsonNode ref : refs) {
      Chunk c = held.get(ref.path("id").asText());
      String hash = ref.path("text_sha").asText("");
      if (c == null) {
        partial.merge("contexts no longer in the index", 1, Integer::sum);
      } else if (!hash.isEmpty() && !hash.equals(Retrieval.textHash(c.text()))) {
        partial.merge("contexts whose text changed since the answer", 1, Integer::sum);
      } else {
        out.add(c.text());
      }
    }
    return out;
  }

  private static ArrayNode prompt(ArrayNode messages, Options options, String question) {
    options.system().ifPresent(s -> messages.addObject().put("role", "system").put("content", s));
    messages.addObject().put("role", "user").put("content", question);
    return messages;
  }

  /*
   * OpenAI's rules for a chat fine-tuning example: every message has a known role and non-empty
   * string content; a system message may come first; then user and assistant alternate, starting
   * with user and ending with assistant; and the whole example fits the training context.
   */
  private static String invalid(ArrayNode messages, int maxTokens) {
    int first = messages.path(0).path("role").asText().equals("system") ? 1 : 0;
    for (int i = first; i < messages.size(); i++) {
      String expected = (i - first) % 2 == 0 ? "user" : "assistant";
      if (!messages.get(i).path("role").asText().equals(expected)) {
        return "roles out of order";
      }
    }
    if (!messages.path(messages.size() - 1).path("role").asText().equals("assistant")) {
      return "no final assistant message";
    }
    for (var m : messages) {
      if (m.path("content").asText("").isBlank()) {
        return "empty " + m.path("role").asText() + " message";
      }
    }
    int tokens = ChatTokens.prompt(messages, null);
    return tokens > maxTokens ? "over " + maxTokens + " tokens" : null;
  }

  /** The tenant to export: {@code asked}, else the only one with rated answers. */
  public static String tenant(AnswerRecords records, Optional<String> asked) {
    if (asked.isPresent()) {
      return asked.get();
    }
    List<String> tenants = records.ratedTenants();
    if (tenants.size() > 1) {
      throw new IllegalArgumentException("the records hold rated answers of " + tenants.size() + " tenants ("
          + String.join(", ", tenants) + "): name one with --tenant; an export never mixes tenants");
    }
    return tenants.isEmpty() ? "default" : tenants.getFirst();
  }
}
