// Empty: the target only provides the entry points below to the linker.
