package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

class ChatTokensTest {

  private static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

  @Test
  void countsAsTheTokenizerDoesWhetherKeptOrNot() {
    String shortText = "Hello, world! How are you today?";
    String longText = "All work and no play makes Jack a dull boy. ".repeat(2000); // over the kept size
    for (int i = 0; i < 3; i++) { // first counted, then looked up
      assertEquals(CL100K.countTokensOrdinary(shortText), ChatTokens.count(shortText));
      assertEquals(CL100K.countTokensOrdinary(longText), ChatTokens.count(longText));
      assertEquals(CL100K.countTokensOrdinary("漢字 😀 é"), ChatTokens.count(new String("漢字 😀 é")));
    }
    assertEquals(0, ChatTokens.count(""));
    assertEquals(0, ChatTokens.count(null));
  }

  @Test
  void aPromptIsItsMessagesWithFraming() throws Exception {
    var messages = new ObjectMapper().readTree("""
        [{"role": "system", "content": "Answer in one word."}, {"role": "user", "content": "Reply with OK.", "name": "ann"}]""");
    int expected = 3 // priming the reply
        + 3 + CL100K.countTokensOrdinary("system") + CL100K.countTokensOrdinary("Answer in one word.")
        + 3 + CL100K.countTokensOrdinary("user") + CL100K.countTokensOrdinary("ann") + 1
        + CL100K.countTokensOrdinary("Reply with OK.");
    assertEquals(expected, ChatTokens.prompt(messages, null));
    assertEquals(expected, ChatTokens.prompt(messages, null)); // again, from what was kept
  }
}
