"""Running untrusted submissions: the zygote, its children, their containment, the parent's client."""
