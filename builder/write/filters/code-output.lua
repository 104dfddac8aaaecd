-- The outputs of code chunks (code blocks .output and .stderr, written by weave.py):
-- wrapped verbatim environments of preamble.tex, never running off the page.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

local ENVS = {output = "OutputBlock", stderr = "StderrBlock"}

function CodeBlock(block)
  for class, env in pairs(ENVS) do
    if block.classes:includes(class) then
      return latex.rawblock("\\begin{" .. env .. "}\n" .. block.text .. "\n\\end{" .. env .. "}")
    end
  end
  return nil
end
