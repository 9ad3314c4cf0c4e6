"""Views: what turns arrays into something to look at (HTML grids, Plotly figures, PNGs, the step player).

No Streamlit here; ``cnnviz.ui`` renders them. Every view writes numbers with ``cnnviz.kernel.notation``,
colours cells with ``colour`` and draws grids with ``grid``; ``assets`` reads the ``.css`` and ``.js`` files.
"""
