"""Views: what turns arrays into something to look at. No Streamlit here; ``cnnviz.ui`` renders them.

- ``player``: the step player, one self-contained HTML document (its CSS and JavaScript inlined).
- ``conv``, ``pool``: the player's steps for convolution and pooling; the pooling page's grids and figure.
- ``images``: activation maps as small PNGs, and the zoomed-in dot product of the Real images page.
- ``shapes``: the figures of the Shapes & parameters and Architectures pages.
"""
