"""Quiz practice: generated questions with worked solutions; one quiz number gives a whole class the same quiz."""
import streamlit as st

from cnnviz import ui

st.title("Quiz practice")
st.markdown(
    "Output shapes, parameter counts, pooling, edge filters and dot products by hand. "
    "Type your answer, press **Check**, and read the worked solution."
)

settings, warnings = ui.quiz_settings_from_url()
ui.show_warnings(warnings)
ui.quiz_header_ui(settings)
questions = ui.quiz_questions(settings.seed, settings.n)
ui.quiz_score_ui(settings, questions)
for index, question in enumerate(questions):
    ui.quiz_question_ui(settings.seed, index, question)
ui.quiz_footer_ui(settings)
