package io.ragway.guard;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Known attack patterns, in families. Each rule has a score: the families that are attacks in
 * every context (telling the model to drop its instructions, to reveal its prompt, to leave its
 * rules behind) score high enough to block; role-play and output forcing, which honest users
 * write too, score lower. Rules read the normalized text, its l33t reading, and any base64 inside
 * it decoded.
 */
final class InjectionRules {

  /** A rule that matched: its family and score, and the text it matched. */
  record Hit(String family, double score, String match) {}

  private record Rule(String family, double score, Pattern pattern) {}

  private static final String PREVIOUS = "(?:previous|prior|above|earlier|preceding|foregoing|former|initial|original"
      + "|all|any|every|your|the|those|these|my|that)";
  private static final String INSTRUCTIONS = "(?:instructions?|prompts?|rules|directions?|directives?|guidelines?"
      + "|commands?|orders?|context|constraints|restrictions|tasks?|assignments?|programming|training|policies"
      + "|what (?:i|you|we) (?:said|told|wrote|asked)|everything|anything)";

  private static final List<Rule> RULES = List.of(
      // 1. override: drop what came before
      rule("override", 0.95, "\\b(?:ignore|disregard|forget|skip|overlook|override|bypass|neglect|abandon|discard|"
          + "set aside|throw away|don'?t (?:follow|obey|listen to))\\b[^.!?\\n]{0,40}?\\b" + PREVIOUS + "\\b[^.!?\\n]{0,30}?\\b"
          + INSTRUCTIONS + "\\b"),
      rule("override", 0.95, "\\b(?:forget|ignore|disregard)\\s+(?:about\\s+)?(?:everything|all of (?:it|that|this)|all that|"
          + "anything|it all)\\b"),
      rule("override", 0.95, "\\b(?:vergiss|vergessen sie|ignoriere|ignorieren sie|missachte|missachten sie|"
          + "h[öo]re? nicht auf)\\b[^.!?\\n]{0,40}?\\b(?:alles|alle|vorherigen?|bisherigen?|obigen?|vorangegangenen?|"
          + "anweisungen|befehle|aufgaben|instruktionen|gesagte|zuvor)\\b"),
      rule("override", 0.95, "\\b(?:ignore|disregard|forget)\\s+(?:about\\s+)?(?:what|whatever|all|everything) (?:i|you|we)"
          + "(?:'ve| have)? (?:said|told you|wrote|asked|were told)\\b"),
      rule("override", 0.95, "\\b(?:ignore|disregard|forget)\\s+(?:all\\s+|everything\\s+)?(?:above|before|prior)\\b"),
      rule("override", 0.9, "\\b(?:drop|remove|delete|erase|leave|abandon|clear)\\b[^.!?\\n]{0,20}?\\b(?:all|your)\\s+"
          + "(?:(?:the|your|previous|prior|earlier|former)\\s+)*(?:instructions|tasks|thoughts)\\b"),
      rule("override", 0.9, "\\b(?:all|the) (?:previous|prior|earlier) information\\b[^.!?\\n]{0,40}?\\b(?:irrelevant|"
          + "behind|not (?:important|relevant|valid))\\b"),
      rule("override", 0.9, "\\b(?:change|update|replace|rewrite) your (?:instructions|rules|programming|prompt)\\b"
          + "|\\byour (?:new )?instructions are now\\b|\\bdespite what you(?:'ve| have) been told\\b"),
      // the documents a RAG answer should come from, pushed aside
      rule("override", 0.85, "\\b(?:disregard(?:ing)?|ignor(?:e|ing)|without (?:using|reading|looking at))\\s+(?:the\\s+)?"
          + "(?:provided\\s+)?(?:articles|documents|sources|context|texts?)\\b"),
      rule("override", 0.85, "\\b(?:by|from|with|using) your own knowledge\\b[^.!?\\n]{0,20}?\\bnot\\b"
          + "|\\bdo not (?:look|read|use)\\b[^.!?\\n]{0,15}?\\b(?:documents|articles|sources|context)\\b"),
      rule("override", 0.95, "\\b(?:abweichend (?:zu|von)|entgegen) (?:den )?(?:vorherigen|bisherigen|obigen) "
          + "(?:instruktionen|anweisungen|vorgaben)\\b"),
      rule("override", 0.9, "\\b(?:vorherigen|bisherigen|obigen) (?:informationen|ausführungen|anweisungen|instruktionen)\\b"
          + "[^.!?\\n]{0,40}?\\b(?:irrelevant|ignorieren|vergessen|unwichtig|nicht (?:ganz )?(?:großartig|wichtig|relevant))"),
      rule("override", 0.95, "\\b(?:olvida|olvidad|olvide|olvidar|olviden|ignora|ignorad)\\b[^.!?\\n]{0,30}?\\b(?:todo|todas|instrucciones|anteriores)\\b"),
      rule("override", 0.95, "\\b(?:oublie[sz]?|ignore[sz])\\b[^.!?\\n]{0,30}?\\b(?:tout|toutes|instructions|pr[ée]c[ée]dentes)\\b"),
      rule("override", 0.95, "\\b(?:zaboravi|dimentica|ignora|esquece)\\b[^.!?\\n]{0,20}?\\b(?:sve|tutto|tutte|tudo)\\b"),
      // 2. a new task slipped in
      rule("new_task", 0.85, "\\b(?:now|from now on|starting now|here (?:is|are)|next)\\b[^.!?\\n]{0,30}?\\b(?:new|different|"
          + "real|actual)\\s+(?:task|instructions?|assignment|role|rules|orders|mission)\\b"),
      rule("new_task", 0.85, "\\b(?:new|additional|further|another) (?:task|instructions?|assignment|orders|statement|"
          + "command)\\s*(?::|\\s[-–]\\s)"),
      rule("new_task", 0.85, "(?:^|[.!?]\\s*)(?:attention|achtung|stop|stopp)\\s*[-:!]+\\s*(?:stop|stopp|write|schreibe?|say|"
          + "sage?)\\b"),
      rule("new_task", 0.85, "\\b(?:neue|neuen) (?:aufgabe|aufgaben|anweisung|anweisungen|instruktionen)\\b"),
      // 3. prompt leaking
      rule("prompt_leak", 0.9, "\\b(?:show|print|reveal|repeat|output|display|tell|give|write|spell|leak|dump|list|"
          + "recite|disclose)\\b[^.!?\\n]{0,30}?\\b(?:your|(?:the |all )?(?:above|initial|original|hidden|secret|system|"
          + "previous|full))\\b"
          + "[^.!?\\n]{0,20}?\\b(?:prompts?|instructions|system message|prompt text|pre-?prompt)\\b"),
      rule("prompt_leak", 0.9, "\\bwhat (?:is|are|was|were) (?:your|the) (?:initial |original |system |hidden |secret )?"
          + "(?:instructions|prompt|system prompt)\\b"),
      rule("prompt_leak", 0.9, "\\b(?:zeige?|gib|nenne|drucke|wiederhole|verrate)\\b[^.!?\\n]{0,30}?\\b(?:prompt|prompts|"
          + "prompt-texte?|anweisungen|systemnachricht)\\b"),
      // 4. jailbreak personas: leave the rules behind
      rule("jailbreak", 0.95, "\\b(?:do anything now|developer mode|dan mode|jailbreak|jailbroken|evil (?:bot|mode|confidant)"
          + "|unfiltered (?:ai|mode|model)|forked version of)\\b"),
      rule("jailbreak", 0.95, "\\b(?:you|you're|you are|ai is|model is|assistant is|bot is) no longer (?:bound|restricted|"
          + "limited)\\b"),
      rule("jailbreak", 0.95, "\\b(?:you are|you're|act as|be|become)\\s+(?:now\\s+)?dan\\b"),
      rule("jailbreak", 0.9, "\\b(?:without|no|free of|free from|not bound by|ignore)\\s+(?:any\\s+)?(?:ethical|moral|"
          + "content|safety)\\s+(?:restrictions|filters|guidelines|limitations|rules|constraints|policies)\\b"),
      rule("jailbreak", 0.9, "\\b(?:completely|totally|fully) (?:immoral|amoral|unrestricted|uncensored|unfiltered)\\b"),
      rule("jailbreak", 0.9, "\\b(?:has|have|with) no (?:programming |ethical |moral )?(?:guidelines|restrictions|"
          + "filters|limits|morals|ethics)\\b"),
      // 5. role-play that takes the model out of its part (honest users do this too: lower score)
      rule("role_play", 0.7, "\\b(?:i want you to|i'd like you to|you will|you should|you must|you are going to|"
          + "you're going to|now you|please)\\s+(?:act|behave|respond|pretend|play|roleplay|role-play|serve|function)\\s+"
          + "(?:as|like)\\b"),
      rule("role_play", 0.7, "(?:^|[.!?:]\\s+)(?:please\\s+)?(?:act|behave|pretend to be|roleplay|role-play)\\s+"
          + "(?:as|like)\\s+(?:a|an|my|the|if)\\b"),
      rule("role_play", 0.7, "\\b(?:pretend (?:to be|you are|that you)|stay in (?:character|role)|from now on,? you (?:are|will|must)|"
          + "you are now (?:a|an|my|the|in)|let'?s (?:play|pretend|roleplay) (?:a game|that|you))\\b"),
      rule("role_play", 0.7, "\\b(?:ich möchte, dass (?:sie|du)|tu so,? als|stell dir vor,? du bist|du bist (?:jetzt|nun)|"
          + "agiere als|fungiere als|spiele die rolle|verhalte dich wie)\\b"),
      // 6. fake turn and end-of-prompt markers
      rule("delimiter", 0.85, "<\\|?(?:im_start|im_end|system|endoftext|end_of_turn|start_of_turn)\\|?>"),
      rule("delimiter", 0.85, "\\[/?(?:system|inst|sys)\\]|<<\\s*sys\\s*>>"),
      rule("delimiter", 0.85, "(?:^|\\n)\\s*#{1,4}\\s*(?:system|new instructions?|admin)\\b"),
      rule("delimiter", 0.85, "={4,}\\s*(?:end|stop|new)\\b|\\bend of (?:the )?(?:prompt|instructions|system prompt)\\b"),
      // 7. output forcing: make the model say fixed words
      rule("output_forcing", 0.8, "\\b(?:say|print|write|respond with|reply with|answer with|output|schreibe?|sage?)\\b"
          + "[^.!?\\n]{0,12}?[\"'“„]?\\s*(?:i have been pwned|pwned|hacked|i hate (?:humans|you))\\b"),
      rule("output_forcing", 0.8, "\\banswer (?:every|each|all) (?:question|questions|prompt|prompts) with\\b"));

  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]{16,}={0,2}");

  private InjectionRules() {}

  private static Rule rule(String family, double score, String regex) {
    return new Rule(family, score, Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
  }

  /** The highest-scoring rule that matches {@code text}, or of its l33t, typo or decoded base64 readings. */
  static Optional<Hit> scan(String text) {
    return scan(text, Normalizer.normalize(text));
  }

  /** The finding on a passage of a document: the rules alone (see {@link InjectionDetector#scanPassage}). */
  static InjectionDetector.Detection scanPassage(String text) {
    Optional<Hit> hit = scan(text);
    return new InjectionDetector.Detection(hit.map(Hit::score).orElse(0.0), hit.map(Hit::family), hit.map(Hit::match), 0);
  }

  /** As {@link #scan(String)}, for a caller that has the normalized text already. */
  static Optional<Hit> scan(String text, String normalized) {
    Optional<Hit> best = best(normalized, Optional.empty(), "");
    String leet = Normalizer.deLeet(normalized);
    if (!leet.equals(normalized)) {
      best = best(leet, best, "leet:");
    }
    String typo = Normalizer.deTypo(leet);
    if (!typo.equals(leet)) {
      best = best(typo, best, "typo:");
    }
    for (String decoded : decodedBase64(text)) {
      // instructions hidden in an encoding are an attack even when the plain rule would only flag
      Optional<Hit> hidden = best(Normalizer.normalize(decoded), Optional.empty(), "base64:")
          .map(h -> new Hit(h.family(), Math.max(h.score(), 0.9), h.match()));
      best = max(best, hidden);
    }
    return best;
  }

  private static Optional<Hit> best(String text, Optional<Hit> sofar, String prefix) {
    Optional<Hit> best = sofar;
    for (Rule r : RULES) {
      if (best.isPresent() && best.get().score() >= r.score()) {
        continue;
      }
      Matcher m = r.pattern().matcher(text);
      if (m.find()) {
        best = Optional.of(new Hit(prefix + r.family(), r.score(), m.group().strip()));
      }
    }
    return best;
  }

  private static Optional<Hit> max(Optional<Hit> a, Optional<Hit> b) {
    if (a.isEmpty()) {
      return b;
    }
    return b.isPresent() && b.get().score() > a.get().score() ? b : a;
  }

  /** Runs of base64 that decode to mostly printable UTF-8 text. */
  static List<String> decodedBase64(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = BASE64.matcher(text);
    while (m.find() && out.size() < 8) {
      String run = m.group();
      if (run.chars().noneMatch(Character::isDigit) && run.chars().noneMatch(c -> c == '+' || c == '/')
          && run.chars().allMatch(Character::isLetter)) {
        continue; // a long plain word, not an encoding
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(run.length() % 4 == 0 ? run : run.substring(0, run.length() - run.length() % 4));
      } catch (IllegalArgumentException e) {
        continue;
      }
      try {
        String decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes)).toString();
        long printable = decoded.chars().filter(c -> !Character.isISOControl(c) || Character.isWhitespace(c)).count();
        if (decoded.length() >= 8 && printable >= decoded.length() * 0.95) {
          out.add(decoded);
        }
      } catch (CharacterCodingException e) {
        // binary, not hidden text
      }
    }
    return out;
  }
}
