"""Verification of model answers, on hand-written model outputs: no model runs here.

The passages are the ones retrieved for real questions over the seeds, so the
scores behind "supported" are the ones a real answer would get.
"""

import pytest
from conftest import LAVROV_DOC, LAVROV_QUESTION

from assistant.claims import is_refusal, names, quote_found, says_nothing, split_claims

BUDAPEST_QUESTION = "Where is Trump's planned summit with Putin going to be held?"
CONTROL_QUESTION = "How much of Ukraine does Russia control?"


def passages_for(assistant, question, k=3):
    passages = assistant.retrieve(question, k)
    assert len(passages) == k
    return passages


def number_of(passages, needle):
    """The 1-based number of the first passage holding `needle`, as the model would see it."""
    return next(n for n, p in enumerate(passages, 1) if needle in p.text)


def assert_verbatim(assistant, grounded):
    for c in grounded.citations:
        assert assistant.document(c.doc_id).text[c.start:c.end] == c.quote


@pytest.fixture(scope="module")
def assistant(seed_index):
    from assistant import Assistant

    return Assistant(index_dir=seed_index, corpus=[])


@pytest.fixture(scope="module")
def lavrov(assistant):
    passages = passages_for(assistant, LAVROV_QUESTION)
    return passages, number_of(passages, "the agenda is not ready yet")


def test_a_correct_marker_becomes_a_citation_with_exact_offsets(assistant, lavrov):
    passages, n = lavrov
    grounded = assistant.verify(f"Lavrov said that “the agenda is not ready yet.” [{n}]", passages)
    assert not grounded.refused and grounded.unsupported == () and grounded.unverified_quotes == ()
    assert [c.number for c in grounded.citations] == [1]
    citation = grounded.citations[0]
    assert citation.doc_id == LAVROV_DOC and "the agenda is not ready yet" in citation.quote
    assert_verbatim(assistant, grounded)
    assert grounded.text == "Lavrov said that “the agenda is not ready yet.” [1]"


def test_a_marker_to_a_passage_that_was_not_given_is_removed(assistant, lavrov):
    passages, _ = lavrov
    grounded = assistant.verify("Lavrov said the talks will resume in Geneva next spring [9].", passages)
    assert "[9]" not in grounded.text and grounded.citations == ()
    assert grounded.unsupported == ("Lavrov said the talks will resume in Geneva next spring.",)


def test_a_supported_sentence_citing_a_missing_passage_gets_the_right_one(assistant, lavrov):
    passages, n = lavrov
    grounded = assistant.verify("Lavrov told NBC that Putin would meet Zelensky only when the agenda for the "
                                "meeting was ready, but the agenda is not ready yet [9].", passages)
    assert "[9]" not in grounded.text and grounded.text.endswith("[1]")
    assert grounded.citations[0].doc_id == LAVROV_DOC and grounded.unsupported == ()


def test_a_wrong_passage_number_is_corrected_when_another_passage_clearly_supports_it(assistant, lavrov):
    passages, n = lavrov
    wrong = next(m for m in range(1, len(passages) + 1) if "the agenda is not ready yet" not in passages[m - 1].text)
    grounded = assistant.verify(f"Lavrov said that the agenda is not ready yet [{wrong}].", passages)
    assert len(grounded.citations) == 1 and "the agenda is not ready yet" in grounded.citations[0].quote
    assert_verbatim(assistant, grounded)


def test_an_invented_sentence_is_flagged_and_left_out(assistant, lavrov):
    passages, n = lavrov
    invented = "Lavrov also announced that Russia will host the Winter Olympics in Sochi."
    grounded = assistant.verify(f"Lavrov said “the agenda is not ready yet.” [{n}] {invented[:-1]} [{n}].", passages)
    assert grounded.unsupported == (invented,)
    assert "Olympics" not in grounded.text and len(grounded.citations) == 1
    assert not any("Olympics" in c.quote for c in grounded.citations)


def test_a_fabricated_quote_is_flagged(assistant, lavrov):
    passages, n = lavrov
    grounded = assistant.verify(f"Lavrov said that “the agenda will never be ready.” [{n}]", passages)
    assert grounded.unverified_quotes == ("the agenda will never be ready.",)
    assert grounded.citations == () and "never" not in grounded.text


def test_a_quote_with_straight_quotes_and_other_spacing_still_verifies(assistant, lavrov):
    passages, n = lavrov
    grounded = assistant.verify(f'Lavrov said "the  agenda is\nnot ready yet" [{n}].', passages)
    assert grounded.unverified_quotes == () and len(grounded.citations) == 1


def test_a_changed_number_makes_the_sentence_unsupported(assistant):
    passages = passages_for(assistant, CONTROL_QUESTION)
    n = number_of(passages, "22%")
    right = assistant.verify(f"Russia controls 22% of Ukraine [{n}].", passages)
    assert right.unsupported == () and "22%" in right.citations[0].quote
    changed = assistant.verify(f"Russia controls 25% of Ukraine [{n}].", passages)
    assert changed.unsupported == ("Russia controls 25% of Ukraine.",) and changed.citations == ()


def test_a_name_the_passages_do_not_have_makes_the_sentence_unsupported(assistant):
    passages = passages_for(assistant, BUDAPEST_QUESTION, k=5)
    n = number_of(passages, "Budapest")
    grounded = assistant.verify(f"The summit with Putin will be held in Vienna [{n}].", passages)
    assert grounded.citations == () and grounded.unsupported


@pytest.mark.parametrize("answer", [
    "Lavrov said Putin was prepared to meet Zelensky [{n}].",  # the question said as much
    "Lavrov said they would meet between [{n}] and [{n}].",  # markers where the answer should be
])
def test_a_sentence_that_tells_the_reader_nothing_is_not_an_answer(assistant, lavrov, answer):
    passages, n = lavrov
    question = "When was Putin prepared to meet Zelensky, according to Lavrov?"
    grounded = assistant.verify(answer.format(n=n), passages, question)
    assert grounded.citations == () and len(grounded.unsupported) == 1
    answered = assistant.verify(f"Lavrov said only when the agenda was ready [{n}].", passages, question)
    assert answered.citations and not answered.unsupported


@pytest.mark.parametrize("question", [
    "Did Lavrov say the agenda is not ready yet?",
    "Didn't Lavrov say the agenda is not ready yet?",
    "According to Lavrov, is the agenda not ready yet?",
    "Did Lavrov or Peskov say the agenda is not ready yet?",
])
def test_confirming_a_yes_no_or_either_or_question_is_an_answer(assistant, lavrov, question):
    passages, n = lavrov
    grounded = assistant.verify(f"Lavrov said the agenda is not ready yet [{n}].", passages, question)
    assert grounded.citations and not grounded.unsupported


def test_markers_where_the_answer_should_be_are_told_from_markers_after_it():
    assert says_nothing("The venues include [1][2], [1][3], and [1][4].", "")
    assert not says_nothing("Lavrov said the agenda is not ready yet [1], [1], [2].", "")
    assert not says_nothing("Putin said Russia would never give in [2].", "")


def test_a_speaker_is_a_name_but_a_plural_subject_is_not():
    assert "peskov" in names("Peskov has said the agenda is ready.")
    assert "peskov" in names("Peskov reportedly said the agenda is ready.")
    assert names("Analysts warned that the talks could fail.") == []


def test_a_speaker_the_passage_does_not_name_makes_the_quote_unsupported(assistant, lavrov):
    passages, n = lavrov
    right = assistant.verify(f"Lavrov said that “the agenda is not ready yet.” [{n}]", passages)
    wrong = assistant.verify(f"Peskov said that “the agenda is not ready yet.” [{n}]", passages)
    assert right.citations and not right.unsupported
    assert wrong.citations == () and wrong.unsupported == ("Peskov said that “the agenda is not ready yet.”",)


@pytest.mark.parametrize("answer", [
    "The articles don't say.",
    "The articles don’t say. [2]",
    "The articles do not contain the answer.",
])
def test_the_refusal_phrase_means_refused(assistant, lavrov, answer):
    grounded = assistant.verify(answer, lavrov[0])
    assert grounded.refused and grounded.citations == () and "[" not in grounded.text


def test_a_partial_answer_that_says_what_is_missing_is_not_a_refusal(assistant, lavrov):
    passages, n = lavrov
    grounded = assistant.verify(f"Lavrov said the agenda is not ready yet [{n}]. The articles don't say why.",
                                passages)
    assert not grounded.refused and len(grounded.citations) == 1
    assert grounded.text.endswith("The articles don't say why.")


def test_citations_are_numbered_in_order_of_appearance_and_reused(assistant, lavrov):
    passages, n = lavrov
    answer = (f"Lavrov said the agenda is not ready yet [{n}]. "
              f"Russia opposed deploying NATO troops in Ukraine [{number_of(passages, 'deploying NATO troops')}]. "
              f"Again, the agenda is not ready yet, Lavrov said [{n}].")
    grounded = assistant.verify(answer, passages)
    assert [c.number for c in grounded.citations] == [1, 2]
    assert grounded.text.count("[1]") == 2 and grounded.text.count("[2]") == 1
    assert grounded.text.index("[1]") < grounded.text.index("[2]")
    assert_verbatim(assistant, grounded)


def test_an_unmarked_sentence_that_a_passage_clearly_supports_is_attached(assistant, lavrov):
    passages, _ = lavrov
    grounded = assistant.verify("According to Lavrov, the agenda is not ready yet.", passages)
    assert len(grounded.citations) == 1 and grounded.text.endswith("[1]")


def test_a_quotation_over_two_sentences_is_one_claim_citing_both(assistant):
    passages = passages_for(assistant, "What did Zelensky say when asked about Trump's comments?", k=5)
    n = number_of(passages, "The president is right")
    grounded = assistant.verify(f"Zelensky said: “The president is right, and we have to stop where we are. [{n}] "
                                f"It’s important to stop where we are and then talk.” [{n}]", passages)
    assert grounded.unverified_quotes == () and grounded.unsupported == ()
    assert grounded.text.endswith("then talk.” [1][2]") and grounded.text.count("[") == 2
    assert_verbatim(assistant, grounded)


def test_markers_after_the_full_stop_belong_to_the_sentence_before():
    claims = split_claims("Lavrov spoke. [1] Trump agreed [2][3]. Then more [1, 4].")
    assert [(c.text, c.cited) for c in claims] == [
        ("Lavrov spoke.", (1,)), ("Trump agreed.", (2, 3)), ("Then more.", (1, 4))]


# Calibration of SUPPORT_MIN: paraphrases must pass, related but wrong claims must not.
@pytest.mark.parametrize("question, claim, supported", [
    (LAVROV_QUESTION, "Lavrov said Putin was ready to meet Zelensky once the agenda was ready.", True),
    (LAVROV_QUESTION, "Lavrov told NBC that the agenda for a meeting was not ready.", True),
    (LAVROV_QUESTION, "Lavrov praised Trump's leadership and called for new sanctions on Ukraine.", False),
    (LAVROV_QUESTION, "The moon is made of cheese.", False),
    (CONTROL_QUESTION, "Russia's territorial gains include control of 22% of Ukraine.", True),
    (CONTROL_QUESTION, "Russia controls most of eastern Europe and has annexed Poland.", False),
    ("What did Zelensky say Putin only understands?", "Zelensky said Putin only understands force and pressure.", True),
    ("What did Zelensky say Putin only understands?", "Zelensky announced his resignation.", False),
])
def test_support_threshold_separates_paraphrases_from_unsupported_claims(assistant, question, claim, supported):
    passages = passages_for(assistant, question, k=5)
    markers = "".join(f"[{n}]" for n in range(1, len(passages) + 1))
    grounded = assistant.verify(f"{claim[:-1]} {markers}.", passages)
    assert bool(grounded.citations) is supported, grounded
    assert bool(grounded.unsupported) is not supported


def test_quote_matching_ignores_curly_quotes_case_and_ellipses(assistant):
    article = assistant.document(LAVROV_DOC).text
    assert quote_found("The agenda is not ready yet", [article])
    assert quote_found("Lavrov, Russian Foreign Minister … the agenda for the meeting was ready", [article])
    assert not quote_found("the agenda is ready", [article])


def test_refusal_detection():
    assert is_refusal("The articles don’t say.") and is_refusal("the passages do not mention it")
    # rewordings the local model has produced instead of the instructed sentence
    for reworded in ("No passage says.", "None of the passages mentions the number of victims.",
                     "The number is not mentioned in the passages."):
        assert is_refusal(reworded), reworded
    for news in ("Lavrov said the agenda is not ready yet.", "Trump said there is no deal until everything is agreed.",
                 "Peskov said there is no information about a date.", "The text does not mention NATO membership."):
        assert not is_refusal(news), news


def test_a_refusal_that_slips_in_a_claim_of_its_own_is_checked(assistant, lavrov):
    passages, n = lavrov
    grounded = assistant.verify(f"Lavrov said the agenda is not ready yet [{n}]. Putin will resign next week, "
                                "though the passages do not say why.", passages, LAVROV_QUESTION)
    assert len(grounded.citations) == 1 and "resign" not in grounded.text
    assert grounded.unsupported == ("Putin will resign next week, though the passages do not say why.",)


# --- adversarial answers built from the seeds: each shares words with a true answer ---------------

def _evidence(assistant, question):
    return assistant.evidence(question)


@pytest.mark.parametrize("question, other, wrong, wrong_in, right, right_in", [
    # the phone call lasted "more than two hours"; the Alaska talks three
    ("How long did the Alaska talks last?", "How long did Trump speak with Putin on Thursday?",
     "The talks lasted more than two hours", "spoke with Putin for more than two hours",
     "The talks lasted three hours", "three-hour meeting in Alaska"),
    # the 15th was the Alaska meeting, not the one at the White House
    ("When did Trump meet Zelensky and European leaders at the White House?", "When did Trump meet Putin in Alaska?",
     "They met on the 15th", "in Alaska on the 15th",
     "They met at the White House on the 18th", "at the White House on the 18th"),
])
def test_a_fact_from_another_event_does_not_answer_the_question(assistant, question, other, wrong, wrong_in, right,
                                                                 right_in):
    passages = passages_for(assistant, question, k=5) + passages_for(assistant, other)
    flagged = assistant.verify(f"{wrong} [{number_of(passages, wrong_in)}].", passages, question)
    assert flagged.citations == () and flagged.unsupported
    kept = assistant.verify(f"{right} [{number_of(passages, right_in)}].", passages, question)
    assert kept.citations and right_in in kept.citations[0].quote


def test_a_swapped_speaker_or_a_changed_number_in_the_evidence_the_model_read_is_flagged(assistant):
    evidence = _evidence(assistant, LAVROV_QUESTION)
    n = number_of(evidence, "the agenda is not ready yet")
    assert assistant.verify(f"Lavrov said the agenda is not ready yet [{n}].", evidence, LAVROV_QUESTION).citations
    swapped = assistant.verify(f"Zelensky said the agenda is not ready yet [{n}].", evidence, LAVROV_QUESTION)
    assert swapped.citations == () and swapped.unsupported
    control = _evidence(assistant, CONTROL_QUESTION)
    m = number_of(control, "22%")
    changed = assistant.verify(f"Russia controls 25% of Ukraine [{m}].", control, CONTROL_QUESTION)
    assert changed.citations == () and changed.unsupported
