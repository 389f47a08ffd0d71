"""Fast paths of the loader (a forked prefetch, a partial load): each must give exactly the plain load's answer."""
