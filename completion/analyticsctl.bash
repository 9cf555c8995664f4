# bash completion for analyticsctl(8)                        -*- shell-script -*-
#
# Global options come before the command (or after it); each command has its own words.
# Works with or without the bash-completion package.

# The organizations analyticsd has refreshed or rebuilt alone (their runs' scopes): the
# daemon keeps no list of the platform's organizations, the platform's database does.
_analyticsctl_orgs()
{
    analyticsctl runs --limit 1000 -r -o SCOPE --no-headings 2>/dev/null |
        sed -n 's/^org=\([0-9a-fA-F-]\{36\}\)$/\1/p' | sort -u
}

_analyticsctl()
{
    local cur prev cmd i w
    local -a words=("${COMP_WORDS[@]}")
    local cword=$COMP_CWORD
    local commands="status migrate refresh runs check metrics rollback loyalty pause resume capture cancel reload help"
    local globals="-s --socket -j --json -t --timeout -h --help -V --version"

    COMPREPLY=()
    cur=${words[cword]}
    prev=${words[cword-1]}

    # Find the command: the first word that is neither an option nor the
    # value of an option that takes one.
    local cmd_at=0
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            -s|--socket|-t|--timeout)
                ((i++))
                # "--socket=PATH" split by COMP_WORDBREAKS: skip the "=" too
                [[ ${words[i]} == "=" ]] && ((i++))
                ;;
            -*) ;;
            *)
                cmd=$w
                cmd_at=$i
                break
                ;;
        esac
    done

    if [[ -z $cmd ]]; then
        # "--socket=" as split by COMP_WORDBREAKS.
        if [[ $prev == "=" ]]; then
            prev=${words[cword-2]}
        elif [[ $cur == "=" ]]; then
            prev=${words[cword-1]}
            cur=""
        fi
        case $prev in
            -s|--socket)
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                return 0
                ;;
            -t|--timeout)
                mapfile -t COMPREPLY < <(compgen -W "0 30 60 300 3600" -- "$cur")
                return 0
                ;;
        esac
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$globals" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
        fi
        return 0
    fi

    # The command's own words so far (after the command, before the cursor).
    local -a args=("${words[@]:cmd_at+1:cword-cmd_at-1}")

    # --output COLUMNS: the table's columns, as "analyticsctl help CMD" lists them, after
    # the ones already typed (comma-separated).
    if [[ $prev == -o || $prev == --output ]] && [[ $cmd == runs || $cmd == check || $cmd == migrate ]]; then
        local cols have=""
        cols=$(analyticsctl help "$cmd" 2>/dev/null |
               awk '/^Columns/ { on = 1; next } on && /^  [A-Z]/ { print $1 } on && /^$/ { on = 0 }')
        [[ $cur == *,* ]] && have=${cur%,*},
        mapfile -t COMPREPLY < <(compgen -P "$have" -W "$cols" -- "${cur##*,}")
        compopt -o nospace 2>/dev/null
        return 0
    fi
    # help COMMAND
    if [[ $cmd == help ]]; then
        ((${#args[@]} == 0)) && mapfile -t COMPREPLY < <(compgen -W "${commands% help}" -- "$cur")
        return 0
    fi

    case $cmd in
        migrate)
            if [[ $cur == -* ]]; then
                [[ " ${args[*]} " == *" status "* || " ${args[*]} " == *" --no-wait "* ]] ||
                    mapfile -t COMPREPLY < <(compgen -W "--no-wait" -- "$cur")
            elif [[ " ${args[*]} " != *" up "* && " ${args[*]} " != *" down "* &&
                    " ${args[*]} " != *" status "* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "up down status" -- "$cur")
            fi
            ;;
        refresh)
            case $prev in
                --days)
                    mapfile -t COMPREPLY < <(compgen -W "1 7 30 90" -- "$cur")
                    return 0
                    ;;
                --trigger)
                    mapfile -t COMPREPLY < <(compgen -W "manual timer" -- "$cur")
                    return 0
                    ;;
            esac
            local mode="" has_org=0 opts="" a j
            for ((j = 0; j < ${#args[@]}; j++)); do
                a=${args[j]}
                case $a in
                    --days|--trigger) ((j++)) ;;
                    -*) ;;
                    *)
                        if [[ -z $mode ]]; then
                            mode=$a
                        elif [[ $mode == org ]]; then
                            has_org=1
                        fi
                        ;;
                esac
            done
            if [[ $mode == org && $has_org == 0 && $cur != -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_analyticsctl_orgs)" -- "$cur")
                return 0
            fi
            for a in --no-wait --trigger --force --dry-run; do
                [[ " ${args[*]} " == *" $a "* ]] || opts+=" $a"
            done
            if [[ ( -z $mode || $mode == recent ) && " ${args[*]} " != *" --days "* ]]; then
                opts+=" --days"
            fi
            if [[ -z $mode && $cur != -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "incremental full recent org" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
            fi
            ;;
        runs)
            case $prev in
                --limit|-n|--since|--mode) return 0 ;;
                --status)
                    mapfile -t COMPREPLY < <(compgen -W "running succeeded failed cancelled rolled_back" -- "$cur")
                    return 0 ;;
                --kind)
                    mapfile -t COMPREPLY < <(compgen -W "refresh rollback loyalty_rebuild" -- "$cur")
                    return 0 ;;
            esac
            local nopts="" a
            for a in --limit --status --kind --mode --since --output --no-headings --local --raw --pairs; do
                [[ " ${args[*]} " == *" $a "* ]] || nopts+=" $a"
            done
            mapfile -t COMPREPLY < <(compgen -W "$nopts" -- "$cur")
            ;;
        rollback)
            if [[ $prev == --to ]]; then        # RUN_ID: the recent successful runs
                mapfile -t COMPREPLY < <(compgen -W "$(analyticsctl runs --status succeeded -r \
                    -o ID --no-headings 2>/dev/null)" -- "$cur")
                return 0
            fi
            local ropts="" a
            for a in --to --dry-run --no-wait; do
                [[ " ${args[*]} " == *" $a "* ]] || ropts+=" $a"
            done
            mapfile -t COMPREPLY < <(compgen -W "$ropts" -- "$cur")
            ;;
        loyalty)
            if ((${#args[@]} == 0)); then
                mapfile -t COMPREPLY < <(compgen -W "rebuild" -- "$cur")
                return 0
            fi
            [[ ${args[0]} == rebuild ]] || return 0
            if [[ $prev == --org ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_analyticsctl_orgs)" -- "$cur")
                return 0
            fi
            local lopts="" a
            for a in --org --force --no-wait; do
                [[ " ${args[*]} " == *" $a "* ]] || lopts+=" $a"
            done
            mapfile -t COMPREPLY < <(compgen -W "$lopts" -- "$cur")
            ;;
        metrics)
            if [[ $prev == --output || $prev == -o ]]; then
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                return 0
            fi
            ((${#args[@]} == 0)) && mapfile -t COMPREPLY < <(compgen -W "--output" -- "$cur")
            ;;
        pause)
            [[ $prev == --reason ]] && return 0
            ((${#args[@]} == 0)) && mapfile -t COMPREPLY < <(compgen -W "--reason" -- "$cur")
            ;;
        cancel)
            ((${#args[@]} == 0)) && mapfile -t COMPREPLY < <(compgen -W "running queued all" -- "$cur")
            ;;
        capture)
            [[ $prev == --reason ]] && return 0
            if ((${#args[@]} == 0)); then
                mapfile -t COMPREPLY < <(compgen -W "on off status" -- "$cur")
            elif [[ ${args[0]} == off ]]; then
                mapfile -t COMPREPLY < <(compgen -W "--reason" -- "$cur")
            fi
            ;;
    esac
    return 0
}

complete -F _analyticsctl analyticsctl
