# bash completion for drover(1).
# Installed as share/bash-completion/completions/drover (loaded on demand by
# bash-completion), or source it from ~/.bashrc. The work is done by drover
# itself: `drover complete -- WORDS... CURRENT` prints the candidates (hosts,
# @groups and @tags from the inventory the command line names, ssh_config
# aliases, options and their values), or ":files" / ":dirs".

_drover() {
	local line cur quoted words=() cands=() c i prefix
	# Split the line up to the cursor on blanks only: COMP_WORDS would break
	# "@web&@eu" and "host:port" at bash's COMP_WORDBREAKS characters.
	line=${COMP_LINE:0:COMP_POINT}
	read -r -a words <<<"$line"
	[[ $line =~ [[:blank:]]$ ]] && words+=("")
	((${#words[@]} >= 2)) || return 0
	cur=${words[${#words[@]} - 1]}
	# In an open quote ('@web&@e) bash replaces the whole quoted text.
	quoted=""
	if [[ $cur == [\'\"]* ]]; then
		quoted=1
		cur=${cur:1}
		words[${#words[@]} - 1]=$cur
	fi

	local drover=${words[0]}
	[[ $drover == */* ]] || drover=drover
	mapfile -t cands < <("$drover" complete -- "${words[@]:1}" 2>/dev/null)

	COMPREPLY=()
	case ${cands[0]-} in
	:files)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	:dirs)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	esac
	# bash replaces only the part of the word after its last COMP_WORDBREAKS
	# character (":", "&", "=" ...): hand back that part of each candidate.
	prefix=""
	for ((i = ${#cur} - 1; i >= 0 && !quoted; i--)); do
		if [[ $COMP_WORDBREAKS == *"${cur:i:1}"* ]]; then
			prefix=${cur:0:i+1}
			break
		fi
	done
	for c in "${cands[@]}"; do
		COMPREPLY+=("${c#"$prefix"}")
	done
}
complete -F _drover drover
