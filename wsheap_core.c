// SPDX-License-Identifier: GPL-2.0
/*
 * The allocator core, wsheap.c, as an object of wsheap.ko: Kbuild cannot
 * link a module from an object named like the module itself.
 */
#include "wsheap.c"
