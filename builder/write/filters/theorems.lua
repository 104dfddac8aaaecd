-- Blocks of the theorem kinds as in Quarto's PDF: a div of every theorem kind of the vocabulary
-- (#thm-, #lem-, ...) becomes its numbered LaTeX environment, a leading "## Name" its name
-- in brackets; the vocabulary's unnumbered blocks (.proof, ...) have no number.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

local function environment(div, env, label)
  local title = latex.take_title(div)  -- inlines: its citations are citeproc's
  local starts_para = div.content[1] and div.content[1].t == "Para"
  local head = pandoc.List({latex.raw("\\begin{" .. env .. "}" .. (title and "[" or ""))})
  if title then head:extend(title) end
  head:insert(latex.raw((title and "]" or "") .. (label and ("\\label{" .. label .. "}") or "")
    -- as Quarto, when it does not start with a paragraph (a figure, a list): the heading
    -- is set on a line of its own before it, not carried into the next paragraph
    .. ((starts_para or not label) and "" or "\n\n~")
    .. ((starts_para or label) and "" or "\\leavevmode")))
  local blocks = pandoc.List({pandoc.Plain(head)}) .. div.content
  local last = blocks[#blocks]
  if env == "proof" and (last.t == "Para" or last.t == "Plain") then
    -- as Quarto: \end{proof} right after the last line, so the QED mark ends that line
    last.content:insert(latex.raw("\n\\end{proof}"))
  else
    blocks:insert(latex.rawblock("\\end{" .. env .. "}"))
  end
  return blocks
end

function Div(div)
  local kind = div.identifier:match("^(%a+)%-")
  if kind and latex.THEOREM_ENVS[kind] then
    return environment(div, latex.THEOREM_ENVS[kind], div.identifier)
  end
  for _, class in ipairs(div.classes) do
    if latex.VOCABULARY.unnumbered_blocks[class] then return environment(div, class, nil) end
  end
end
