"""Matching a question's words in a sentence."""

from qa.matching import around_gap, longest_common, longest_piece, present


def test_present_and_longest_common():
    assert present(("票价", "价格"), "单程票价为38元") == 2 and present(("价格",), "单程票价") == -1
    assert longest_common("圣体堂区成立于", "圣体堂区成立于1910年") == 7
    assert longest_common("", "abc") == 0 and longest_common("xyz", "abc") == 0


def test_the_gap_between_the_question_words_is_where_the_answer_is():
    assert around_gap("国务院是", "批复同意威海", "国务院于11月26日批复同意威海列为名城") == (3.0, 6.0, 7.0)
    assert around_gap("体堂区成立于", "", "圣体堂区成立于1910年") == (6.0, 0.0, -1.0)
    assert around_gap("", "首度阐释了生", "奥斯卡首度阐释了生物") == (0.0, 6.0, -1.0)


def test_a_piece_before_the_question_word_is_read_at_its_end():
    assert longest_piece("的票价是", "单程票价为38元", end=True) == (2, 4)
    assert longest_piece("批复同意", "于11月26日批复同意", end=False) == (4, 7)
