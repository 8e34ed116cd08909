#!/bin/bash
# The cloud-init corpus: seeds in the forms cloud-init documents and tests, each with its expected
# outcome. One directory per case in tests/data/cloud-init-corpus/:
#   form      which documented form the case exercises, and where cloud-init documents or tests it
#   seed/     what --seed is given (a NoCloud directory, a ConfigDrive tree, an image file `seed/image`)
#   host/     optional: files laid over the CentOS 7 fixture tree (sys/class/net/*/address,
#             sys/class/dmi/id/product_serial, proc/cmdline, ...)
#   args      optional: the agent's arguments before the command, one per line, instead of
#             "--seed <case>/seed" (a case whose seed is found on the host); --live is always given: the
#             host's commands are the stand-ins of tests/lib/host-steps.sh, acting on the tree
#   expect    first line `accept`, `refuse` (the seed is wrong) or `refuse-on-host` (the seed is right but
#             this host cannot take it), then lines of what must appear:
#               plan: TEXT   on plan's standard output
#               show: TEXT   on show-seed's standard output
#               err: TEXT    on the standard error of each command run (a refusal's message)
#             in TEXT, @SEED@ stands for the case's seed/ path and @ROOT@ for the host tree.
# An accepted case: show-seed and plan exit 0. A refused one: show-seed, plan and run exit 2 with
# "nothing was changed". Refused on the host: show-seed exits 0, plan and run exit 1. Every time the host
# tree is byte-for-byte what it was: plan and show-seed never change it, and a refused run must not either.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT (build it first)"
CORPUS=$TOP/tests/data/cloud-init-corpus

# check_lines KIND FILE WHAT: every "KIND: TEXT" line of the case's expect file is in FILE.
check_lines() {
        local kind=$1 file=$2 what=$3 line text
        while IFS= read -r line; do
                case $line in "$kind: "*) ;; *) continue ;; esac
                text=${line#"$kind: "}
                text=${text//@SEED@/$seed}
                text=${text//@ROOT@/$root}
                grep -qF -- "$text" "$file" || {
                        cat "$file" >&2
                        fail "$what: expected [$text]"
                }
        done <"$dir/expect"
}

n=0
for dir in "$CORPUS"/*/; do
        dir=${dir%/}
        name=$(basename "$dir")
        [ -s "$dir/form" ] || fail "$name: no form file (which documented form, and where)"
        [ -f "$dir/expect" ] || fail "$name: no expect file"
        outcome=$(head -n 1 "$dir/expect")
        case $outcome in
        accept) want_show=0 want_plan=0 ;;
        refuse) want_show=2 want_plan=2 ;;
        refuse-on-host) want_show=0 want_plan=1 ;;
        *) fail "$name: expect starts with [$outcome]" ;;
        esac
        seed=$dir/seed
        [ -f "$seed/image" ] && seed=$seed/image

        root=$WORK/$name/root
        bin=$WORK/$name/bin
        host_tree "$root"
        [ ! -d "$dir/host" ] || cp -a "$dir/host/." "$root/"
        host_bin "$bin" "$root"
        args=()
        if [ -f "$dir/args" ]; then
                while IFS= read -r a; do
                        a=${a//@SEED@/$seed}
                        args+=("${a//@ROOT@/$root}")
                done <"$dir/args"
        else
                args=(--seed "$seed")
        fi
        before=$(tree_snapshot "$root")

        for cmd in show-seed plan; do
                want=$want_plan
                [ $cmd = plan ] || want=$want_show
                # its own UTS and network namespace: a mistake can neither rename nor reach anything
                KUBE_FIRSTBOOT_PATH=$bin run_cmd -x "$want" -m "$name: $cmd" \
                        unshare -un "$AGENT" --root "$root" --live "${args[@]}" $cmd
                cp "$WORK/out" "$WORK/$name/$cmd.out"
                cp "$WORK/err" "$WORK/$name/$cmd.err"
                [ "$want" = 0 ] || check_lines err "$WORK/err" "$name: $cmd: stderr"
        done
        check_lines show "$WORK/$name/show-seed.out" "$name: show-seed"
        check_lines plan "$WORK/$name/plan.out" "$name: plan"
        if [ "$outcome" = refuse ]; then
                for cmd in show-seed plan; do
                        grep -qF "nothing was changed" "$WORK/$name/$cmd.err" || fail "$name: $cmd: no rejection summary"
                done
        fi
        if [ "$outcome" != accept ]; then
                KUBE_FIRSTBOOT_PATH=$bin run_cmd -x "$want_plan" -m "$name: run" \
                        unshare -un "$AGENT" --root "$root" --live "${args[@]}" run
                check_lines err "$WORK/err" "$name: run: stderr"
                grep -qF "nothing was changed" "$WORK/err" || fail "$name: run: no word that nothing was changed"
        fi
        assert_tree_same "$before" "$(tree_snapshot "$root")" "$name: the host tree changed"
        ok "$name: $outcome ($(head -n 1 "$dir/form"))"
        n=$((n + 1))
done
[ $n -gt 0 ] || fail "no case in $CORPUS"
ok "$n corpus cases behaved as expected"
