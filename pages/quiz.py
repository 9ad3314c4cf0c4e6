"""Quiz practice: generated questions with worked solutions; one quiz number gives a whole class the same quiz."""
import streamlit as st

from cnnviz import ui
from cnnviz.ui import quiz as ui_quiz

ui.through_app()

st.title("Quiz practice")
st.markdown(
    "Output shapes, parameter counts, pooling, edge filters and dot products by hand. "
    "Type your answer and press **Check**: a wrong answer gets a hint, and the worked solution comes when you "
    "ask for it."
)

settings, _, warnings = ui_quiz.URL.load()
ui_quiz.URL.save(settings)  # the link always names the quiz, corrected when it could not be used
ui.show_warnings(warnings)
ui_quiz.header_ui(settings)
questions = ui_quiz.questions_for(settings.seed, settings.n)
ui_quiz.score_ui(settings, questions)
for index, question in enumerate(questions):
    ui_quiz.question_ui(settings.seed, index, question)
ui_quiz.footer_ui(settings)
