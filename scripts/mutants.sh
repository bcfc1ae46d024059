#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that the tests catch broken allocators: apply one deliberate bug at
# a time to a copy of the project and run, on that copy, the stage of
# 'make test' that is there to catch it, with all of that stage's checks
# (results, kernel log, live lines).  Not part of 'make test': it costs one
# incremental build per mutant.
#
# A mutant is caught when its stage fails, survives when the stage passes,
# and is invalid when one of its substitutions changes nothing or the
# project does not build with it: its pattern needs fixing, and it proves
# nothing about the tests.  Exits non-zero unless every mutant is caught.
#
# Usage: scripts/mutants.sh [--check] [REGEX]
#	(after 'make test' has built the cache)
#	--check: only check that every substitution of each mutant applies
#	REGEX: run only the mutants whose name matches (grep -E)

. "$(dirname "$0")/lib.sh"

PROJECT=$PROJ
WORK=$CACHE/mutants

# name|file|perl substitution producing the bug[|kind]
# Without a kind, the kunit stage judges a mutant (stage_of() below).
# "debug" mutants break the CONFIG_WSHEAP_DEBUG checks, which the built-in
# run leaves off: the uml-kunit stage, whose module kernel has the option
# on, judges them.
# "plain" mutants break the inline fast path, which KASAN kernels do not
# use: the kunit-plain stage (UML, no KASAN) judges them, the quickest
# build that has the path; make test runs it in kunit-smp, kunit-rt,
# kunit-i386 and the patches stage.
# "observe" mutants break what only a booted kernel shows (the debugfs
# file, trace events): the observe stage of 'make test' must fail on them;
# "faults" mutants, what the fault-injection stage checks.
# "smp", "rt", "arm64", "i386" and "kmsan" mutants break what only more
# than one CPU, PREEMPT_RT's lock rules, KASAN on several CPUs, a 32-bit
# size_t or KMSAN shows: that kunit-* stage must fail on them.  Kinds
# joined by "," name several stages, each of which must fail: the races
# on the shared bump and quota must show on x86's strong memory model
# under KCSAN and on arm64's weak one.
# "patches" mutants break what only the series in a kernel tree shows (a
# user of wsheap that runs before wsheap's initcall, a user's suites).
# "distro" mutants break what a distro build gets (exports, Kconfig
# defaults): scripts/distro-config.sh must fail on them.
MUTANTS=(
	"bump off by one|wsheap.c|s/heap->fast.bump = obj \+ wsheap_footprint\(size\);/heap->fast.bump = obj + wsheap_footprint(size - 1);/"
	"inline bump off by one|wsheap.h|s/b->bump \+= ALIGN\(size, WSHEAP_ALIGN\);/b->bump += ALIGN(size - 1, WSHEAP_ALIGN);/|plain"
	"inline NULL ptr check removed|wsheap.h|s/likely\(heap && ptr && size\)/likely(heap \&\& size)/|plain"
	"inline memdup copies one byte short|wsheap.h|s/memcpy\(\*ptr, src, len\);/memcpy(*ptr, src, len - !!len);/|plain"
	"inline quota check removed|wsheap.h|s/size <= b->max_size - b->requested\)/1)/|plain"
	"inline room check off by one|wsheap.h|s/size <= \(size_t\)\(b->limit - b->bump\)/size <= (size_t)(b->limit - b->bump) + WSHEAP_ALIGN/|plain"
	"quota check removed|wsheap.c|s/if \(size > heap->fast.max_size - heap->fast.requested\)/if (0)/"
	"quota check that wraps|wsheap.c|s/if \(size > heap->fast.max_size - heap->fast.requested\)/if (heap->fast.requested + size > heap->fast.max_size)/"
	"no rollback on -ENOMEM|wsheap.c|s/(\t\tif \(!obj\)\n\t\t\treturn wsheap_refuse\(heap, error, -ENOMEM,)/\t\tif (!obj)\n\t\t\theap->fast.requested += size;\n\$1/"
	"chunk leaked on release|wsheap.c|s/(wsheap_chunk_release\(.*?)\twsheap_chunk_drop\(heap, chunk, NULL\);\n/\${1}/s"
	"reset ignores the trim size|wsheap.c|s/chunk->bytes <= heap->trim_size - kept/true/"
	"alignment of 4|wsheap.h|s/#define WSHEAP_ALIGN\t8/#define WSHEAP_ALIGN\t4/|plain"
	"zero size gives NULL|wsheap.c|s/obj = ZERO_SIZE_PTR;(\n\t\} else \{\n\t\tobj = wsheap_bump_alloc)/obj = NULL;\$1/"
	"v3: zero size gives NULL on a concurrent heap|wsheap_concurrent.c|s/obj = ZERO_SIZE_PTR;(\n\t\} else \{\n\t\tobj = wsheap_concurrent_carve)/obj = NULL;\$1/"
	"spare chunks never reused|wsheap.c|s/chunk = wsheap_chunk_find_spare\(heap, size, align\);/chunk = NULL;/"
	"no use-after-free check|wsheap_debug.c|s/if \(READ_ONCE\(heap->magic\) != WSHEAP_MAGIC\) \{/if (0) {/|debug"
	"no two-calls check|wsheap_debug.c|s/if \(atomic_xchg\(&heap->in_call, 1\)\) \{/if (0) {/|debug"
	"chunk size unbounded by quota|wsheap.c|s/payload = max\(min\(payload, quota_left\), size\);/payload = max(payload, size);/"
	"realloc in place when old is not the last block|wsheap.c|s/if \(!old \x7c\x7c old != heap->fast.last\)\n\t\treturn NULL;/if (!old)\n\t\treturn NULL;/"
	"realloc in place without the quota check|wsheap.c|s/if \(limit && new_size > old_size &&\n\t    new_size - old_size > heap->fast.max_size - heap->fast.requested\)/if (0)/"
	"realloc copy does not copy|wsheap.c|s/\t\tmemcpy\(obj, old, min\(old_size, new_size\)\);/\t\t;/"
	"rollback forgets REQUESTED_SIZE|wsheap.c|s/\theap->fast.requested = mark->priv\[WSHEAP_MARK_REQUESTED\];\n//"
	"rollback keeps later chunks carved|wsheap.c|s/\twsheap_unstamp_after\(heap, carves\);\n//"
	"mark from before a reset accepted|wsheap.c|s/(\theap->carves = 0;\n)\theap->epoch = 0;\n/\$1/"
	"mark of a round without a mark accepted|wsheap.c|s/if \(!heap->epoch \x7c\x7c mark->priv/if (mark->priv/"
	"asprintf counts without the NUL|wsheap.c|s/ret = wsheap_carve\(heap, len, WSHEAP_ALIGN, \(void \*\*\)&obj, error,/ret = wsheap_carve(heap, len - 1, WSHEAP_ALIGN, (void **)\&obj, error,/"
	"strdup without the NUL|wsheap.c|s/strlen\(s\) \+ 1/strlen(s)/"
	"zalloc relies on zeroed new chunks|wsheap.c|s/\t\tmemset\(\*ptr, 0, size\);\n/\t\t;\n/; s/gfp = set.gfp \x7c WSHEAP_GFP_FLAGS \x7c/gfp = set.gfp \x7c __GFP_ZERO \x7c WSHEAP_GFP_FLAGS \x7c/"
	"alignment padding counted in the quota|wsheap.c|s/if \(size > heap->fast.max_size - heap->fast.requested\)/if (size + align - WSHEAP_ALIGN > heap->fast.max_size - heap->fast.requested)/"
	"alignment ignored on the bump|wsheap.c|s/char \*obj = PTR_ALIGN\(heap->fast.bump, align\);/char *obj = heap->fast.bump;/"
	"new chunk not sized for the padding|wsheap.c|s/return size \+ align - WSHEAP_ALIGN \+ WSHEAP_REDZONE;/return size + WSHEAP_REDZONE;/"
	"name not kept|wsheap.c|s/\t\tstrscpy\(new->name, set.name, sizeof\(new->name\)\);/\t\t;/"
	"KASAN: poisoning at reset removed|wsheap.c|s/\t\t\twsheap_chunk_take_back\(chunk\);\n\t\t\} else \{/\t\t\tchunk->seq = 0;\n\t\t} else {/"
	"KASAN: rollback not poisoning|wsheap.c|s/\tif \(chunk\)\n\t\twsheap_kasan_take_back\(bump, wsheap_room\(heap\)\);\n//"
	"KASAN: redzone removed|wsheap_internal.h|s/return ALIGN\(size, WSHEAP_ALIGN\) \+ WSHEAP_REDZONE;/return ALIGN(size, WSHEAP_ALIGN);/"
	"KASAN: unpoisoning rounded up to the granule|wsheap_kasan.c|s/kasan_unpoison_range\(obj, size\);/kasan_unpoison_range(obj, round_up(size, WSHEAP_KASAN_GRANULE));/"
	"KASAN: new chunk not poisoned|wsheap_kasan.c|s/\tkasan_poison_range\(payload, size, false\);/\tif (0) kasan_poison_range(payload, size, false);/"
	"slab chunk size not what the slab gives|wsheap.c|s/return kmalloc_size_roundup\(bytes\);/return bytes;/"
	"every chunk vmalloc'd|wsheap.c|s/if \(bytes <= PAGE_SIZE\)\n\t\treturn wsheap_slab_alloc/if (0)\n\t\treturn wsheap_slab_alloc/; s/if \(bytes <= WSHEAP_SLAB_CHUNK_MAX\) \{\n\t\t\/\*/if (0) {\n\t\t\/*/"
	"stats: peak not taken at reset|wsheap_internal.h|s/\twsheap_stats_peak\(heap\);\n\theap->stats.resets\+\+;/\theap->stats.resets++;/"
	"stats: quota refusals not counted|wsheap_internal.h|s/code == -EDQUOT \? &heap->stats.quota_refusals :/code == -EDQUOT ? \&heap->stats.oom_refusals :/"
	"stats: chunks not counted down|wsheap.c|s/\twsheap_stats_chunks\(heap, -1\);\n//"
	"debugfs: heap never listed|wsheap.c|s/\twsheap_stats_show_heap\(new\);\n//|observe"
	"trace: no reset event|wsheap.c|s/\ttrace_wsheap_reset\(heap, requested, heap->actual\);\n/\t(void)requested;\n/|observe"
	"trace: refusal without its caller|wsheap.c|s/(int __wsheap_alloc\(.*?)_RET_IP_/\${1}0UL/s|observe"
	"ACCOUNT not passed to chunks|wsheap.c|s/\(set.account \? __GFP_ACCOUNT : 0\)/0/"
	"ACCOUNT heap object not charged|wsheap.c|s/new = wsheap_object_alloc\(wsheap_object_size\(&set\), gfp\);/new = wsheap_object_alloc(wsheap_object_size(\&set), gfp \& ~__GFP_ACCOUNT);/"
	"slab chunks may give up early|wsheap_internal.h|s/#define WSHEAP_GFP_FLAGS\t__GFP_NOWARN/#define WSHEAP_GFP_FLAGS\t(__GFP_NOWARN \x7c __GFP_RETRY_MAYFAIL)/"
	"every chunk may give up early|wsheap.c|s/\tif \(bytes > WSHEAP_SLAB_CHUNK_MAX\)\n\t\treturn gfp \x7c __GFP_RETRY_MAYFAIL;/\treturn gfp \x7c __GFP_RETRY_MAYFAIL;/"
	"mark leaves realloc's in-place window open|wsheap.c|s/\theap->fast.last = NULL;\n\twsheap_forget_stray\(heap\);\n\twsheap_leave_exclusive\(heap\);\n\treturn 0;\n\}\nEXPORT_SYMBOL_GPL\(wsheap_mark\);/\twsheap_leave_exclusive(heap);\n\treturn 0;\n}\nEXPORT_SYMBOL_GPL(wsheap_mark);/"
	"realloc trusts old_size|wsheap.c|s/if \(old && old_size > heap->fast.requested\)/if (0)/"
	"realloc trusts old_size on a concurrent heap|wsheap_concurrent.c|s/if \(old && !wsheap_concurrent_covers\(heap, old_size\)\)/if (0)/"
	"heaps and rounds share an epoch|wsheap.c|s/heap->epoch = wsheap_epoch_draw\(\);/heap->epoch = 1;/"
	"debugfs: the reader walks only its own CPU's list|wsheap_debugfs.c|s/\tfor_each_possible_cpu\(cpu\) \{\n\t\tlist = per_cpu_ptr\(&wsheap_heap_lists, cpu\);\n\t\tspin_lock_irqsave\(/\tcpu = raw_smp_processor_id();\n\t{\n\t\tlist = per_cpu_ptr(\&wsheap_heap_lists, cpu);\n\t\tspin_lock_irqsave(/|smp"
	"stats: 64-bit counters make the heap object kmalloc-256|wsheap_internal.h|s/\tunsigned int chunks;\n\tunsigned int resets;\n\tunsigned int quota_refusals;\n\tunsigned int oom_refusals;/\tunsigned long chunks;\n\tunsigned long resets;\n\tunsigned long quota_refusals;\n\tunsigned long oom_refusals;/; s/\tunsigned int \*count = code == -EDQUOT/\tunsigned long *count = code == -EDQUOT/"
	"debugfs: the reserve column printed as 0|wsheap_debugfs.c|s/\t\t   heap->reserve\);/\t\t   (size_t)0);/|observe"
	"issue 30: an aligned block carved past the current chunk's end|wsheap.c|s/if \(!heap->fast.bump \x7c\x7c pad > room \x7c\x7c !wsheap_fits\(size, room - pad\)\)/if (!heap->fast.bump \x7c\x7c !wsheap_fits(size, room - pad))/"
	"issue 30: an aligned block carved past a spare's end|wsheap.c|s/\treturn pad <= room && wsheap_fits\(size, room - pad\);/\treturn wsheap_fits(size, room - pad);/"
	"issue 30: the reserve's chunk a few dozen bytes short|wsheap.c|s/\tsize_t needed = reserve;\n/\tsize_t needed = reserve - 40;\n/|plain"
	"issue 30: the reserve not enlarged for KASAN's redzones|wsheap.c|s/\t\tneeded = 2 \* reserve;/\t\tneeded = reserve + 64;/"
	"issue 30: small chunks get __GFP_FS and __GFP_IO|wsheap.c|s/\tif \(bytes <= PAGE_SIZE\)\n\t\treturn wsheap_slab_alloc\(bytes, gfp, node\);/\tif (bytes <= PAGE_SIZE)\n\t\treturn wsheap_slab_alloc(bytes, gfp \x7c __GFP_FS \x7c __GFP_IO, node);/"
	"issue 30: small chunks of a placed heap from any node|wsheap.c|s/\tif \(bytes <= PAGE_SIZE\)\n\t\treturn wsheap_slab_alloc\(bytes, gfp, node\);/\tif (bytes <= PAGE_SIZE)\n\t\treturn wsheap_slab_alloc(bytes, gfp, NUMA_NO_NODE);/|smp"
	"issue 30: vmalloc'd chunks of a placed heap from any node|wsheap.c|s/return wsheap_vmalloc_node\(bytes, wsheap_chunk_gfp\(bytes, gfp\), node\);/return wsheap_vmalloc_node(bytes, wsheap_chunk_gfp(bytes, gfp), NUMA_NO_NODE);/|smp"
	"issue 30: every CPU's batch of mark identities the same|wsheap.c|s/\t\tepoch = atomic64_fetch_add\(WSHEAP_EPOCH_BATCH,\n\t\t\t\t\t   &wsheap_epoch_batches\) \+ 1;/\t\tepoch = atomic64_read(&wsheap_epoch_batches) + 1;/|smp"
	"issue 30: fail_wsheap never fails a call|wsheap_fault.c|s/\treturn should_fail\(&fail_wsheap, bytes\);/\treturn false;/|faults"
	"KMSAN: a block handed out again keeps what it held|wsheap_internal.h|s/\twsheap_kasan_hand_out\(obj, size\);\n\tkmsan_poison_memory\(obj, size, GFP_KERNEL\);/\twsheap_kasan_hand_out(obj, size);/|kmsan"
	"KMSAN: realloc in place poisons the whole block|wsheap_internal.h|s/\tif \(new_size > old_size\)\n\t\tkmsan_poison_memory\(obj \+ old_size, new_size - old_size,/\tif (new_size > old_size)\n\t\tkmsan_poison_memory(obj, new_size,/|kmsan"
	"needed widened to u64|wsheap.c|s/\tsize_t needed = wsheap_room_needed\(size, align\);/\tu64 needed = (u64)size + wsheap_room_needed(0, align);/|i386"
	"test-only exports follow CONFIG_KUNIT|wsheap_internal.h|s/#ifdef WSHEAP_TEST_EXPORTS\n#define WSHEAP_VISIBLE_FOR_TEST/#if IS_ENABLED(CONFIG_KUNIT)\n#define WSHEAP_VISIBLE_FOR_TEST/|distro"
	"misuse checks on in every debug kernel|Kconfig|s/(bool \"Catch misuse of wsheap heaps\"\n\tdepends on WSHEAP && DEBUG_KERNEL\n)/\$1\tdefault DEBUG_KERNEL\n/|distro"
	"no parked heap object|wsheap_cache.c|s/\theap = cache->object;\n\tcache->object = NULL;/\theap = NULL;/"
	"no parked chunk|wsheap_cache.c|s/if \(\*slot && \(\*slot\)->bytes == bytes\) \{/if (0) {/"
	"ACCOUNT memory parked|wsheap_cache.c|s/return !\(gfp & __GFP_ACCOUNT\) &&/return/"
	"parked chunk of another size taken|wsheap_cache.c|s/if \(\*slot && \(\*slot\)->bytes == bytes\) \{/if (*slot) {/"
	"per-CPU slots: an interrupt shares the thread's|wsheap_cache.c|s/context = in_hardirq\(\) \? 2 : in_serving_softirq\(\) \? 1 : 0;/context = 0;/"
	"per-CPU slots: one chunk slot for every size|wsheap_cache.c|s/return shift > WSHEAP_CACHE_MIN_SHIFT \?\n\t       shift - WSHEAP_CACHE_MIN_SHIFT : 0;/return 0;/"
	"debugfs: a parked heap object listed as a heap|wsheap_debugfs.c|s/if \(\(seq & 1\) \x7c\x7c !READ_ONCE\(heap->listing.live\)\)/if (seq \& 1)/"
	"debugfs: a heap in a parked object never listed|wsheap_internal.h|s/\t\twsheap_stats_list\(heap\);\n\t\}\n\twsheap_stats_set_live\(heap, true\);/\t\twsheap_stats_list(heap);\n\t\twsheap_stats_set_live(heap, true);\n\t}/"
	"debugfs: an object pushed out of its slot stays listed|wsheap_cache.c|s/\twsheap_stats_unlist\(heap\);\n\tkfree\(heap\);/\tkfree(heap);/"
	"a heap in a parked object keeps the last heap's name|wsheap.c|s/\tnew->name\[0\] = [^;]*;\n//"
	"a heap in a parked object keeps the last heap's statistics|wsheap.c|s/\tnew->stats = \(struct wsheap_stats\)\{\};\n//"
	"a parked heap object keeps no standby|wsheap.c|s/standby = heap->concurrent \? NULL : &heap->standby;/standby = NULL;/"
	"a standby of another size taken|wsheap_cache.c|s/if \(chunk->bytes != bytes \x7c\x7c node != NUMA_NO_NODE\) \{/if (node != NUMA_NO_NODE) {/"
	"a placed heap takes the standby|wsheap_cache.c|s/if \(chunk->bytes != bytes \x7c\x7c node != NUMA_NO_NODE\) \{/if (chunk->bytes != bytes) {/"
	"a standby sent away is freed, not parked|wsheap_cache.c|s/\tif \(!wsheap_cache_park_chunk\(chunk, gfp\)\)\n\t\twsheap_cache_free_chunk\(chunk\);\n\}/\twsheap_cache_free_chunk(chunk);\n}/"
	"a reset to no chunk leaves its stray as the standby|wsheap.c|s/\twsheap_forget_stray\(heap\);\n(\tlist_for_each_entry_safe\(chunk, next, &heap->chunks, node\) \{)/\$1/"
	"a heap in a parked object keeps the last heap's stray chunk|wsheap.c|s/\twsheap_forget_stray\(heap\);\n(\t\/\* the first small chunk)/\$1/"
	"realloc in place up to the stray chunk's end from any chunk|wsheap.c|s/return chunk && last >= wsheap_chunk_start\(chunk\) &&\n\t       last < wsheap_chunk_end\(chunk\);/return chunk;/"
	"KASAN: parked memory not poisoned|wsheap_kasan.c|s/\tkasan_poison_range\(mem \+ WSHEAP_CHUNK_HDR/\tif (0) kasan_poison_range(mem + WSHEAP_CHUNK_HDR/"
	"slab chunk sized with the header outside its class|wsheap.c|s/bytes = wsheap_slab_size\(payload\);/bytes = wsheap_slab_size(payload + WSHEAP_CHUNK_HDR);/"
	"any size taken as a slab size without a lookup|wsheap.c|s/if \(is_power_of_2\(bytes\) && bytes >= KMALLOC_MIN_SIZE\)/if (bytes >= KMALLOC_MIN_SIZE)/"
	"chunk leaked at free|wsheap.c|s/\t\twsheap_chunk_drop\(heap, chunk, standby\);\n\twsheap_object_free/\t\t(void)chunk;\n\twsheap_object_free/"
	"trace: no chunk_free event|wsheap.c|s/(wsheap_chunk_drop\(.*?)\ttrace_wsheap_chunk_free\(heap, chunk\);\n/\${1}/s|observe"
	"v3: reserve released by a trim-0 reset|wsheap.c|s/if \(\(heap->reserve && !kept\) \x7c\x7c/if ((0) \x7c\x7c/"
	"v3: reserve not allocated at create|wsheap.c|s/if \(set.reserve && !wsheap_reserve_alloc\(new, set.reserve\)\)/if (0)/"
	"v3: atomic heap grows through vmalloc|wsheap.c|s/\tif \(wsheap_gfp_is_atomic\(gfp\)\)\n\t\treturn bytes <= KMALLOC_MAX_SIZE \?/\tif (0)\n\t\treturn bytes <= KMALLOC_MAX_SIZE ?/"
	"v3: GFP_KERNEL for an atomic heap's chunk|wsheap.c|s/chunk = wsheap_chunk_mem_alloc\(bytes, heap->gfp, heap->node,/chunk = wsheap_chunk_mem_alloc(bytes, (heap->gfp \& ~GFP_ATOMIC) \x7c GFP_KERNEL, heap->node,/"
	"v3: might_sleep left on an atomic path|wsheap_internal.h|s/\tif \(heap && !wsheap_heap_is_atomic\(heap\)\)\n\t\tmight_sleep\(\);/\tif (heap)\n\t\tmight_sleep();/"
	"v3: node ignored for slab chunks|wsheap.c|s/mem = wsheap_slab_alloc\(bytes, gfp \x7c __GFP_NORETRY, node\);/mem = wsheap_slab_alloc(bytes, gfp \x7c __GFP_NORETRY, NUMA_NO_NODE);/"
	"v3: a property's value_size not checked|wsheap_property.c|s/if \(prop->value_size != value_size\)/if (0)/"
	"v3: any GFP accepted|wsheap_property.c|s/if \(!wsheap_gfp_is_valid\(set->gfp\)\)/if (0)/"
	"v3: offline node accepted|wsheap_property.c|s/return node == NUMA_NO_NODE \x7c\x7c\n/return 1 \x7c\x7c\n/"
	"v3: GFP read back with its extra flags|wsheap_property.c|s/\*\(gfp_t \*\)value = wsheap_gfp_given\(heap\);/*(gfp_t *)value = heap->gfp;/"
	"v3: GFP_NOWAIT read back without its own __GFP_NOWARN|wsheap_property.c|s/\*\(gfp_t \*\)value = wsheap_gfp_given\(heap\);/*(gfp_t *)value = heap->gfp \& ~(WSHEAP_GFP_FLAGS \x7c __GFP_ACCOUNT);/"
	"v3: debugfs list lock not irq-safe|wsheap_debugfs.c|s/\tspin_lock_irqsave\(&list->lock, flags\);\n\tlist_add_tail\(&heap->listing.node, &list->heaps\);\n\tspin_unlock_irqrestore\(&list->lock, flags\);/\tflags = 0;\n\tspin_lock(\&list->lock);\n\tlist_add_tail(\&heap->listing.node, \&list->heaps);\n\tspin_unlock(\&list->lock);\n\t(void)flags;/|smp"
	"v3: plain bump on a concurrent heap|wsheap_concurrent.c|s/\} while \(!try_cmpxchg\(&c->bump, &bump, obj \+ wsheap_footprint\(size\)\)\);/} while (0);\n\tWRITE_ONCE(c->bump, obj + wsheap_footprint(size));/|smp,arm64"
	"v3: REQUESTED_SIZE updated without atomicity|wsheap_concurrent.c|s/\t\} while \(!try_cmpxchg\(counter, &requested, requested \+ size\)\);\n\treturn true;/\t} while (0);\n\t*counter = requested + size;\n\treturn true;/|smp,arm64"
	"v3: check-then-add quota race|wsheap_concurrent.c|s/\tdo \{\n\t\tif \(size > heap->fast.max_size - requested\)\n\t\t\treturn false;\n\t\} while/\tif (size > heap->fast.max_size - requested)\n\t\treturn false;\n\twhile/|smp,arm64"
	"issue 33: a slice refilled without the growth mutex|wsheap_concurrent.c|s/\tmutex_lock\(&c->mutex\);\n(\t\/\* a drain may have come first \*\/\n(?:.*\n){2})\tmutex_unlock\(&c->mutex\);\n/\$1/|smp"
	"v3: a mark does not end a concurrent heap's in-place window|wsheap_concurrent.c|s/\tc->floor = heap->fast.bump;\n//"
	"v3: a concurrent heap's block before a stray stays the last|wsheap_concurrent.c|s/\telse if \(obj\)\n/\telse if (0)\n/|plain"
	"v3: an empty block leaves a concurrent heap's last block the last|wsheap_concurrent.c|s/\tif \(!size\)\n\t\twsheap_concurrent_end_window\(heap\);\n//|plain"
	"v3: a block resized to nothing leaves the one before it the last|wsheap_concurrent.c|s/\tif \(!new_size\)\n\t\twsheap_concurrent_end_window\(heap\);\n//|plain"
	"v3: concurrent heap carved inline|wsheap_concurrent.c|s/\theap->fast.bump = NULL;\n\theap->fast.limit = NULL;\n\theap->stray = NULL;\n\twsheap_slices_give/\theap->stray = NULL;\n\twsheap_slices_give/|plain"
	"v3: a drain keeps the slices' unused quota|wsheap_concurrent.c|s/\twsheap_slices_quiesce\(heap\);\n\twsheap_slices_fold\(heap\);/\twsheap_slices_quiesce(heap);/|plain"
	"v3: a slice's quota not recorded|wsheap_concurrent.c|s/\tWRITE_ONCE\(s->charged, got\);/\tWRITE_ONCE(s->charged, 0);/|plain"
	"v3: exclusive calls keep the slices|wsheap_concurrent.c|s/\t\tif \(c->slices\)\n\t\t\twsheap_slices_fold\(heap\);\n//|plain"
	"v3: slices for an atomic heap|wsheap_concurrent.c|s/ && !set->reserve &&\n\t       !wsheap_gfp_is_atomic\(set->gfp\) &&/ \&\& !set->reserve \&\&/|plain"
	"v3: slices for a heap with a reserve|wsheap_concurrent.c|s/set->concurrent && !set->reserve &&/set->concurrent \&\&/|plain"
	"v3: a new slice passes over smaller spares|wsheap_concurrent.c|s/wsheap_shared_grow_locked\(heap, need, WSHEAP_ALIGN\);/wsheap_shared_grow_locked(heap, want, WSHEAP_ALIGN);/|plain"
	"v3: a new slice does not claim its CPU|wsheap_concurrent.c|s/\t\tobj = wsheap_slice_take\(s, size, align\);\n\t\}\n\twsheap_slices_claim\(c, cpu\);/\t\tobj = wsheap_slice_take(s, size, align);\n\t}/|smp"
	"v3: a drain where it cannot help|wsheap_concurrent.c|s/ \x7c\x7c !unused \x7c\x7c\n\t    size > wsheap_quota_left\(heap\) \+ unused\)/ \x7c\x7c !unused)/|plain"
	"v3: a slice block resized in place after another CPU carved|wsheap_concurrent.c|s/if \(slices && READ_ONCE\(c->owner\) == smp_processor_id\(\)\)/if (slices)/|smp"
	"v3: an empty or shared block leaves the slice's last block the last|wsheap_concurrent.c|s/\t\tthis_cpu_ptr\(slices\)->last = NULL;\n//|plain"
	"review 1: a spare asked for the worst-case padding|wsheap.c|s/if \(!chunk->seq && wsheap_chunk_fits\(chunk, size, align\)\)/if (!chunk->seq \&\& wsheap_chunk_room(chunk) >= wsheap_room_needed(size, align))/|plain"
	"review 1: a block that fills its chunk leaves no current chunk|wsheap.c|s/\(size_t\)\(wsheap_chunk_end\(chunk\) - next\) >=/(size_t)(wsheap_chunk_end(chunk) - next) >/|plain"
	"review 2: the growth lock a raw spinlock again|wsheap_concurrent.c|s/\t\tspinlock_t lock;/\t\traw_spinlock_t lock;/; s/\t\tspin_lock_init\(&c->lock\);/\t\traw_spin_lock_init(\&c->lock);/; s/\t\tspin_lock_irqsave\(&c->lock, flags\);/\t\traw_spin_lock_irqsave(\&c->lock, flags);/; s/\t\tspin_unlock_irqrestore\(&c->lock, flags\);/\t\traw_spin_unlock_irqrestore(\&c->lock, flags);/|rt"
	"review 3: debugfs lists a new heap with preemption off|wsheap_debugfs.c|s/\tunsigned int cpu = raw_smp_processor_id\(\);\n\tstruct wsheap_heap_list \*list = per_cpu_ptr\(&wsheap_heap_lists, cpu\);\n\tunsigned long flags;\n/\tstruct wsheap_heap_list *list = get_cpu_ptr(\&wsheap_heap_lists);\n\tunsigned int cpu = smp_processor_id();\n\tunsigned long flags;\n/; s/(\tspin_unlock_irqrestore\(&list->lock, flags\);\n)(\}\n\n\/\*\*\n \* wsheap_stats_unlist)/\$1\tput_cpu_ptr(\&wsheap_heap_lists);\n\$2/|rt"
	"review 4: a shrink poisons its tail after the bump moves back|wsheap_concurrent.c|s/(\tif \(tail\)\n\t\twsheap_kasan_take_back\(old \+ ALIGN\(new_size, WSHEAP_ALIGN\),\n\t\t\t\t       tail\);\n\twsheap_sanitize_resize\(old, old_size, new_size\);\n)(\tif \(!try_cmpxchg\(&c->bump, &end, new_end\)\) \{\n\t\twsheap_kasan_hand_out\(old, old_size\);\n\t\treturn false;\n\t\}\n)/\$2\$1/|arm64"
	"review 5: a raise may lower the floor|wsheap_concurrent.c|s/\tfloor = READ_ONCE\(c->floor\);\n\tdo \{\n\t\tif \(floor >= to\)\n\t\t\treturn;\n\t\} while \(!try_cmpxchg\(&c->floor, &floor, to\)\);/\tfloor = to;\n\tWRITE_ONCE(c->floor, floor);/|plain"
	"review 6: an in-place growth takes its quota before its bytes|wsheap_concurrent.c|s/\tif \(!try_cmpxchg\(&c->bump, &end, new_end\)\)\n\t\treturn false;\n\tif \(!wsheap_concurrent_charge\(heap, new_size - old_size\)\) \{\n\t\ttry_cmpxchg\(&c->bump, &new_end,\n\t\t\t    old \+ wsheap_footprint\(old_size\)\);\n\t\treturn false;\n\t\}\n/\tif (!wsheap_concurrent_charge(heap, new_size - old_size))\n\t\treturn false;\n\tif (!try_cmpxchg(\&c->bump, \&end, new_end)) {\n\t\twsheap_concurrent_uncharge(heap, new_size - old_size);\n\t\treturn false;\n\t}\n/"
	"review 7: an epoch drawn may be 0|wsheap.c|s/ \x7c\x7c !epoch\)\)/))/"
	"review 7: epochs of 32 bits on 32-bit kernels|wsheap_internal.h|s/\tu64 epoch;/\tunsigned long epoch;/|i386"
	"review 8: might_sleep for a NULL heap|wsheap_internal.h|s/\tif \(heap && !wsheap_heap_is_atomic\(heap\)\)\n\t\tmight_sleep\(\);/\tif (!heap \x7c\x7c !wsheap_heap_is_atomic(heap))\n\t\tmight_sleep();/"
	"review 9: a CPU's slice not recorded in the mask|wsheap_concurrent.c|s/\t\tcpumask_set_cpu\(cpu, c->carvers\);\n//|plain"
	"review 10: the quota counter back in struct wsheap_bump|wsheap_concurrent.c|s/\treturn &wsheap_shared\(heap\)->requested;/\treturn (size_t *)\&heap->fast.requested;/"
	"review 11: a drain that did not help drops the slices|wsheap_concurrent.c|s/\tif \(size > wsheap_quota_left\(heap\)\)\n\t\twsheap_slices_give\(heap\);\n//|plain"
	"issue 31: the first chunk is 16 KiB again|wsheap.c|s/#define WSHEAP_FIRST_CHUNK\t256/#define WSHEAP_FIRST_CHUNK\t(16 * 1024)/"
	"issue 31: small heaps not held to twice what they hand out|wsheap.c|s/\tif \(requested < WSHEAP_MIN_CHUNK &&/\tif (0 \&\& requested < WSHEAP_MIN_CHUNK \&\&/|plain"
	"issue 31: the shrinker leaves a task's parked memory|wsheap_cache.c|s/\twsheap_cache_take_set\(this_cpu_ptr\(&wsheap_cpu_caches\[0\]\), &taken\[0\]\);/\tmemset(\&taken[0], 0, sizeof(taken[0]));/"
	"issue 31: the parked count is not kept|wsheap_cache.c|s/\tWRITE_ONCE\(cache->parked, cache->parked \+ n\);\n//"
	"issue 31: a dead CPU keeps its parked memory|wsheap_cache.c|s/\twsheap_cache_empty_cpu\(cpu\);\n\treturn 0;/\treturn 0;/|smp"
	"issue 31: chunks grow to the heap's total, not twice the last|wsheap.c|s/\t\treturn max_t\(size_t, roundup_pow_of_two\(actual \+ 1\),/\t\treturn max_t(size_t, actual,/"
	"issue 32: heaps before init go on lists not set up|wsheap_debugfs.c|s/\tif \(!smp_load_acquire\(&wsheap_heap_lists_ready\)\)\n\t\treturn;\n//"
	"issue 33: the core needs the fault injector before its patch|wsheap_internal.h|s/static inline bool wsheap_should_fail\(size_t bytes\) \{ return false; \}\n//|patches"
	"issue 33: the patches before a feature keep its hunks in the files it shares|scripts/patches.sh|s/\t\tpatch -R -p1 -F0 -s/\t\ttrue \x7c\x7c patch -R -p1 -F0 -s/|patches"
	"issue 33: KASAN's range poisoning leaves taken-back memory live|prerequisites/1-kasan-range-poisoning.patch|s/\n\+\t\tvalue = KASAN_PAGE_FREE;\n/\n+\t\tvalue = 0;\n/|patches"
	"issue 33: the out-of-tree KASAN range poisoning leaves taken-back memory live|wsheap_kasan_compat.h|s/\t\tvalue = WSHEAP_KASAN_PAGE_FREE;/\t\tvalue = 0;/"
	"issue 33: chunks charged to wsheap, not to its caller|wsheap_cache.c|s/return kmalloc_node_noprof\(bytes, gfp, node\);/return kmalloc_node(bytes, gfp, node);/|observe"
	"issue 33: memory parked while profiling, still charged to an unloaded caller|wsheap_cache.c|s/\n\t       !IS_ENABLED\(CONFIG_MEM_ALLOC_PROFILING\) &&//|observe"
	"issue 32: IPE's boot policy heap goes on lists not set up|wsheap_debugfs.c|s/\tif \(!smp_load_acquire\(&wsheap_heap_lists_ready\)\)\n\t\treturn;\n//|patches"
	"issue 32: cfg80211 keeps the APs of a malformed RNR|users/1-cfg80211-scan-6ghz.patch|s/\n\+\t\t\twsheap_rollback\(heap, &mark, NULL\);\n/\n+\t\t\t(void)mark;\n/|patches"
	"issue 32: cfg80211 calls the driver with the APs still in the heap|users/1-cfg80211-scan-6ghz.patch|s/at once \*\/\n\+\twsheap_reset\(heap, NULL\);\n/at once *\/\n+\t(void)heap;\n/|patches"
	"issue 32: IPE keeps what a DEFAULT line allocated|users/3-ipe-policy-parser.patch|s/\n\+rollback:\n\+\twsheap_rollback\(p->heap, &mark, NULL\);\n/\n+rollback:\n+\t(void)mark;\n/|patches"
	"issue 31: no shrinker registered|wsheap_cache.c|s/\tshrinker_register\(wsheap_cache_shrinker\);/\t(void)wsheap_cache_shrinker;/|observe"
)

# Kbuild goes by mtimes: drop the mutants' objects so that the next real
# build cannot keep one.
restore() {
	ln -sfn "$PROJECT" "$TREE/drivers/misc/wsheap"
	rm -rf "$CACHE/build"/kunit*/drivers/misc/wsheap
}

# apply_mutant FILE SUBST: apply each substitution of SUBST (separated by
# "; s/") to the copy of FILE in $WORK; fail, naming it, if one of them
# changes nothing: a half-stale mutant is not the bug it is named for.
apply_mutant() {
	local file=$WORK/$1 subst=$2 part n=0 before
	before=$(mktemp)
	while IFS= read -r part; do
		n=$((n + 1))
		cp "$file" "$before"
		perl -0pi -e "$part" "$file"
		if cmp -s "$before" "$file"; then
			echo "substitution $n did not apply: $part"
			rm -f "$before"
			return 1
		fi
	done < <(perl -e 'print join("\n", split(/; (?=s\/)/, $ARGV[0])), "\n"' "$subst")
	rm -f "$before"
}

# The stage of 'make test' that judges each kind of mutant, with every
# check that stage applies (kernel log, live lines, warnings).
stage_of() {
	case $1 in
	'')	echo "kunit.sh builtin" ;;
	plain | smp | rt | arm64 | i386 | kmsan)
		echo "kunit.sh $1" ;;
	debug)	echo "uml-kunit.sh" ;;	# the module kernel has WSHEAP_DEBUG
	observe) echo "observe.sh" ;;
	faults)	echo "faults.sh" ;;
	distro)	echo "distro-config.sh" ;;
	patches) echo "patches-check.sh" ;;	# the series and its users' suites
	*)	return 1 ;;
	esac
}

# judge NAME KIND: run the stage of KIND on $WORK; 0 caught, 1 survived,
# 2 invalid (the project did not build).
judge() {
	local name=$1 kind=$2 stage log rc=0 why

	stage=$(stage_of "$kind") || { echo "INVALID   $name: unknown kind $kind"; return 2; }
	log=$CACHE/mutant-${kind:-builtin}.log
	# shellcheck disable=SC2086 # stage: script and arguments
	WSHEAP_LOCK_HELD=1 WSHEAP_RESULTS=$WORK/results \
		bash "$WORK/scripts/"$stage >"$log" 2>&1 </dev/null || rc=$?
	# a distro mutant is there to break the build: that is its catch
	if [ "$rc" -eq "$EXIT_NO_BUILD" ] && [ "$kind" != distro ]; then
		echo "INVALID   $name: did not build ($(grep -m1 -E 'error:|warning:' "$log" || true))"
		return 2
	fi
	if [ "$rc" -eq 0 ]; then
		echo "SURVIVED  $name ($stage)"
		return 1
	fi
	why=$(grep -m1 -aE '(EXPECTATION|ASSERTION) FAILED' "$log" ||
	      grep -m1 -aE 'warning:|ERROR' "$log" || true)
	echo "caught    $name ($stage): $why"
}

# run_mutant NAME FILE SUBST KINDS: KINDS is one kind or several joined by
# "," (each of those stages must catch it).  0 caught, 1 survived, 2
# invalid (a substitution did not apply, or the project did not build).
run_mutant() {
	local name=$1 file=$2 subst=$3 kind rc=0 r
	local -a kinds

	mutant_copy "$name" "$file" "$subst" || return 2
	IFS=, read -r -a kinds <<<"${4:-,}"
	for kind in "${kinds[@]}"; do
		r=0
		judge "$name" "$kind" || r=$?
		[ "$r" -eq 2 ] && return 2
		[ "$r" -eq 1 ] && rc=1
	done
	return "$rc"
}

# mutant_copy NAME FILE SUBST: $WORK, a fresh copy of the project with
# the mutant applied; 0 if every substitution applied, 2 (invalid) if not.
mutant_copy() {
	local why
	rm -rf "$WORK"
	mkdir -p "$WORK"
	(cd "$PROJECT" && tar --exclude=.git -cf - .) | tar -C "$WORK" -xf -
	if ! why=$(apply_mutant "$2" "$3"); then
		echo "INVALID   $1: $why"
		return 2
	fi
}

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
only=${1:-}
caught=0
survived=0
invalid=0
if [ "$check" = 0 ]; then
	[ -x "$KUNIT_BUILD/linux" ] || die "run 'make test' first ($KUNIT_BUILD/linux missing)"
	trap restore EXIT
	exec 9>"$LOCK"
	flock 9
fi
for m in "${MUTANTS[@]}"; do
	IFS='|' read -r name file subst kind <<<"$m"
	if [ -n "$only" ] && ! grep -qE -- "$only" <<<"$name"; then
		continue
	fi
	rc=0
	if [ "$check" = 1 ]; then
		mutant_copy "$name" "$file" "$subst" || rc=$?
	else
		run_mutant "$name" "$file" "$subst" "${kind:-}" || rc=$?
	fi
	case $rc in
	0) caught=$((caught + 1)) ;;
	1) survived=$((survived + 1)) ;;
	*) invalid=$((invalid + 1)) ;;
	esac
done
if [ "$check" = 1 ]; then
	echo "mutants: $((caught + invalid)) checked: $caught apply, $invalid invalid"
	[ "$invalid" -eq 0 ]
	exit
fi
restore
echo "mutants: $((caught + survived + invalid)) tried: $caught caught, $survived survived, $invalid invalid"
[ "$survived" -eq 0 ] && [ "$invalid" -eq 0 ]
