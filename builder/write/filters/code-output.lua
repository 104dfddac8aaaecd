-- The outputs of code chunks (code blocks .output and .stderr, written by weave.py):
-- wrapped verbatim environments of preamble.tex, never running off the page; an output
-- of at most KEEP_TOGETHER lines is set in a minipage, so that no page break splits it.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

local ENVS = {output = "OutputBlock", stderr = "StderrBlock"}
local KEEP_TOGETHER = 40

function CodeBlock(block)
  for class, env in pairs(ENVS) do
    if block.classes:includes(class) then
      local tex = "\\begin{" .. env .. "}\n" .. block.text .. "\n\\end{" .. env .. "}"
      local _, breaks = block.text:gsub("\n", "")
      if breaks < KEEP_TOGETHER then
        tex = "\\par\\noindent\\begin{minipage}{\\linewidth}\n" .. tex .. "\n\\end{minipage}\\par"
      end
      return latex.rawblock(tex)
    end
  end
end
