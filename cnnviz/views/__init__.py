"""Views: what turns arrays into something to look at. No Streamlit here; ``cnnviz.ui`` renders them.

Shared by every view:

- ``numbers``: the one number formatter (``format_number``; ``exact_number`` for machines and editors).
- ``colour``: the one diverging colour scale, white at 0: CSS for cells, RGB for PNGs, a Plotly colorscale.
- ``grid``: the one HTML grid renderer, styled by ``grid.css``; ``assets`` reads such files once.

Built on them:

- ``player``: the step player's data (``player_data``), drawn by the component ``player.js`` and ``player.css``.
- ``conv``, ``pool``: the player's steps for convolution and pooling; the pooling page's grids and figure.
- ``images``: activation maps as small PNGs, and the zoomed-in dot product of the Real images page.
- ``shapes``: the figures of the Shapes & parameters and Architectures pages.
- ``network``: a network drawn as boxes layer by layer, laid out from the same layers that count its parameters.
"""
