package io.ragway.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ArithmeticTest {

  private static String error(String expression) {
    return assertThrows(ArithmeticException.class, () -> Arithmetic.evaluate(expression)).getMessage();
  }

  @Test
  void followsPrecedenceAndAssociativity() {
    assertEquals("14", Arithmetic.evaluate("2 + 3 * 4"));
    assertEquals("20", Arithmetic.evaluate("(2 + 3) * 4"));
    assertEquals("512", Arithmetic.evaluate("2 ^ 3 ^ 2"), "power is right-associative");
    assertEquals("-4", Arithmetic.evaluate("-2 ^ 2 * -1 * -1"));
    assertEquals("2", Arithmetic.evaluate("10 - 5 - 3"));
    assertEquals("1", Arithmetic.evaluate("7 % 3"));
  }

  @Test
  void isExactWithDecimals() {
    assertEquals("0.3", Arithmetic.evaluate("0.1 + 0.2"));
    assertEquals("70", Arithmetic.evaluate("17.5 * 12 / 3"));
    assertEquals("1500", Arithmetic.evaluate("1.5e3"));
    assertTrue(Arithmetic.evaluate("1/3").startsWith("0.3333333333"));
  }

  @Test
  void knowsItsFunctions() {
    assertEquals("1.414213562373095048801688724209698", Arithmetic.evaluate("sqrt(2)"));
    assertEquals("3", Arithmetic.evaluate("abs(-3)"));
    assertEquals("3", Arithmetic.evaluate("round(2.5)"));
    assertEquals("-3", Arithmetic.evaluate("floor(-2.5)"));
  }

  @Test
  void refusesDivisionByZero() {
    assertTrue(error("1 / (2 - 2)").contains("division by zero at position 3"));
    assertTrue(error("5 % 0").contains("division by zero"));
    assertTrue(error("0 ^ -1").contains("division by zero"));
  }

  @Test
  void refusesOverflow() {
    assertTrue(error("10 ^ 400").startsWith("overflow"));
    assertTrue(error("1e300 * 1e300").startsWith("overflow"));
    assertTrue(error("9 ^ 9 ^ 9").contains("too large") || error("9 ^ 9 ^ 9").startsWith("overflow"));
  }

  @Test
  void refusesGarbageSayingWhere() {
    assertEquals("unexpected ')' at position 4", error("1 +)"));
    assertTrue(error("2 * x").contains("unknown name 'x' at position 5"));
    assertTrue(error("system('rm -rf /')").contains("unknown function 'system'"));
    assertTrue(error("(1 + 2").contains("')' is missing"));
    assertEquals("the expression is empty", error("   "));
    assertTrue(error("1 2").contains("unexpected '2'"));
    assertTrue(error("1..2").contains("is not a number"));
    assertTrue(error("(".repeat(200) + "1" + ")".repeat(200)).contains("nests deeper"));
    assertTrue(error("sqrt(-1)").contains("negative"));
  }
}
