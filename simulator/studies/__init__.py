"""Studies built on the experiment runner: paired comparisons, sensitivity to each lever,
sweeps over grids of scenario values and the staffing what-if."""
