package dev.lading.dockerfile;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits ENV, LABEL and ARG arguments into words the way BuildKit's parseWords does: on unquoted
 * whitespace, keeping quotes and escapes in the words (expansion removes them later).
 */
final class Words {
  private Words() {}

  static List<String> split(String rest, char escape) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    boolean blankOk = false;
    char quote = 0;
    boolean inQuote = false;
    int n = rest.length();
    for (int pos = 0; pos < n; pos++) {
      char ch = rest.charAt(pos);
      if (!inWord && !inQuote) {
        if (ShellLexer.isSpace(ch)) {
          continue;
        }
        inWord = true;
      }
      if (inQuote) {
        if (ch == quote) {
          inQuote = false;
        } else if (ch == escape && quote != '\'') {
          if (pos + 1 == n) {
            inQuote = false;
            continue; // an escape at the very end is dropped
          }
          word.append(ch);
          ch = rest.charAt(++pos);
        }
        word.append(ch);
        continue;
      }
      if (ShellLexer.isSpace(ch)) {
        inWord = false;
        if (blankOk || word.length() > 0) {
          words.add(word.toString());
        }
        word.setLength(0);
        blankOk = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blankOk = true;
        inQuote = true;
      } else if (ch == escape) {
        if (pos + 1 == n) {
          continue;
        }
        word.append(ch);
        ch = rest.charAt(++pos);
      }
      word.append(ch);
    }
    if ((inWord || inQuote) && (blankOk || word.length() > 0)) {
      words.add(word.toString());
    }
    return words;
  }
}
