# fish completion for drover(1), installed into
# share/fish/vendor_completions.d. drover does the work: `drover complete --
# WORDS... CURRENT` prints the candidates (hosts, @groups and @tags from the
# inventory the command line names, ssh_config aliases, options and their
# values), or ":files" / ":dirs" for fish to complete paths.

function __drover_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l drover drover
    string match -q '*/*' -- $words[1]; and set drover $words[1]
    set -l cands (command $drover complete -- $words[2..-1] 2>/dev/null)
    switch "$cands[1]"
        case :files
            __fish_complete_path (commandline -ct)
        case :dirs
            __fish_complete_directories (commandline -ct) ''
        case '*'
            printf '%s\n' $cands
    end
end

complete -c drover -f -a '(__drover_complete)'
